using PeerMesh.Mesh.Gossip;
using PeerMesh.Sync;
using PeerMesh.Sync.LocalRepo;

namespace PeerMesh.Cli.Web;

/// <summary>
/// Each peer's recent commits on shared branches, for the dashboard. It asks every second; the answer only
/// changes when a fetch lands or local branches move, so it is read from the repository only then.
/// </summary>
internal sealed class RecentPeerCommits(MeshNode mesh, SyncService sync, string gitDirectory, string? repoName = null)
{
    private volatile Tuple<string, IReadOnlyList<PeerCommits>>? _cache;

    public IReadOnlyList<PeerCommits> Read()
    {
        var members = mesh.Current.Members;
        var status = sync.GetStatus();
        var peers = status.Peers.Select(p => (Peer: p, Name: members.FirstOrDefault(m => m.Id == p.NodeId)?.Name ?? p.NodeId[..8])).ToList();
        var key = status.LocalRefsDigest + "|" + string.Join("|", peers.SelectMany(p => p.Peer.Remotes.Select(r => $"{p.Name}/{r.Remote}/{r.LastFetch?.At.UtcTicks}")));
        if (_cache is { } cached && cached.Item1 == key)
        {
            return cached.Item2;
        }

        var result = peers
            .SelectMany(p => p.Peer.Remotes.Select(r => new PeerCommits(p.Peer.NodeId, p.Name, r.Remote, RecentCommits.Read(gitDirectory, r.Remote, perBranch: 5), repoName)))
            .ToList();
        _cache = Tuple.Create(key, (IReadOnlyList<PeerCommits>)result);
        return result;
    }
}
