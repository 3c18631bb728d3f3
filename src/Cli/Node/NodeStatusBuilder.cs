using PeerMesh.Cli.Settings;
using PeerMesh.Cli.Status;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Identity;
using PeerMesh.Sync.Serving;

namespace PeerMesh.Cli.Node;

/// <summary>
/// The status document (<c>status --json</c>, the control protocol's "status", the dashboard's <c>/api/status</c>)
/// read from the running parts of a node: of every served repository, or of one. It only reads: every part keeps its
/// own state.
/// </summary>
internal sealed class NodeStatusBuilder(
    NodeIdentity identity,
    NodeSettings settings,
    NodeRepositories repos,
    GitDaemonSupervisor daemon,
    MeshNode mesh,
    NodeSeeds seeds,
    MdnsDiscovery? mdns,
    TimeProvider time,
    DateTimeOffset startedAt)
{
    /// <summary>The URL peers and stock git clients fetch a served repository from.</summary>
    public string RepoUrl(ServedRepo repo) => GitUrl.ForLocal(settings.Listen, daemon.Status.Port, ServedName.UrlPath(repo.Entry.Name));

    /// <summary>Every served repository.</summary>
    public StatusDocument Build() => Build(repos.Current);

    /// <summary>The node and <paramref name="shown"/>: their repositories, and each peer's remotes in them.</summary>
    public StatusDocument Build(IReadOnlyList<ServedRepo> shown)
    {
        var serving = daemon.Status;
        var members = mesh.Current.Members;
        var syncs = shown.Select(r => (Repo: r, Status: r.Sync.GetStatus())).ToList();
        var projects = shown.Select(r => r.Entry.RepoId).ToHashSet(StringComparer.Ordinal);
        var peers = members.Select(m => PeerStatusMapper.MapWithRemotes(
            m,
            [.. syncs.SelectMany(s => s.Status.Peers.Where(p => p.NodeId == m.Id).SelectMany(p => p.Remotes).Select(r => PeerStatusMapper.MapRemote(r, s.Repo.Entry.Path)))],
            // Pinning is per repository: a peer one of them does not trust is shown so.
            syncs.All(s => s.Status.IsTrusted(m.Id)),
            projects)).ToList();
        peers = RelayStatusMapper.WithRelays(peers, [.. syncs.Select(s => (s.Repo.Entry.RepoId, s.Status.SignedRefs))], identity.Id);
        var mdnsStatus = mdns?.Status ?? MdnsStatus.Disabled;
        var statistics = mesh.Statistics;
        var drops = new Dictionary<string, long>(statistics.Drops, StringComparer.Ordinal);
        foreach (var (reason, count) in mdnsStatus.Drops)
        {
            drops["mdns-" + reason] = count;
        }

        IReadOnlyList<string> trust = [.. syncs.SelectMany(s => s.Status.Trust?.NodeIds ?? []).Distinct(StringComparer.Ordinal)];
        return new StatusDocument(
            StatusDocument.CurrentVersion,
            new NodeStatus(identity.Id, settings.Name, mesh.LocalEndPoint.Port, mesh.IsEncrypted ? "sealed" : "open", startedAt, trust),
            new ServingInfo(serving.Up, serving.Port, serving.Restarts, serving.LastError, serving.NextTry),
            [.. syncs.Select(s => new RepoStatus(
                s.Repo.Entry.RepoId,
                s.Repo.Repo.Name,
                RepoUrl(s.Repo),
                ServedName.UrlPath(s.Repo.Entry.Name),
                RepositoryError(s.Repo),
                PeerStatusMapper.RemoteCap(s.Status),
                s.Repo.Entry.Path,
                s.Repo.Repo.ShallowCut,
                RelayStatusMapper.Map(s.Status.SignedRefs)))],
            peers,
            DiscoveryStatusMapper.Map(mdnsStatus, members, settings.Peers, seeds.Status, time.GetUtcNow() - startedAt),
            new GossipInfo(statistics.DatagramsIn, statistics.DatagramsOut, drops, statistics.BytesIn, statistics.BytesOut));
    }

    /// <summary>
    /// HOSTILE 35: the repository moved or deleted under the running node. The node keeps gossiping, serving the other
    /// repositories and answering status; this one's fetches fail with a local error (not the peer's) and resume once
    /// it is back.
    /// </summary>
    private static string? RepositoryError(ServedRepo repo) =>
        File.Exists(Path.Combine(repo.Repo.GitDirectory, "HEAD"))
            ? null
            : $"repository not found at {repo.Entry.Path} (moved or deleted?)";
}
