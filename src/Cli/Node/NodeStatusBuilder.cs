using PeerMesh.Cli.Settings;
using PeerMesh.Cli.Status;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Identity;
using PeerMesh.Sync;
using PeerMesh.Sync.LocalRepo;
using PeerMesh.Sync.Serving;

namespace PeerMesh.Cli.Node;

/// <summary>
/// The status document (<c>status --json</c>, the control protocol's "status", the dashboard's <c>/api/status</c>)
/// read from the running parts of a node. It only reads: every part keeps its own state.
/// </summary>
internal sealed class NodeStatusBuilder(
    NodeIdentity identity,
    NodeSettings settings,
    LocalRepository repo,
    GitDaemonSupervisor daemon,
    MeshNode mesh,
    SyncService sync,
    NodeSeeds seeds,
    MdnsDiscovery? mdns,
    TimeProvider time,
    DateTimeOffset startedAt)
{
    /// <summary>The URL peers and stock git clients fetch this repository from.</summary>
    public string RepoUrl => GitUrl.ForLocal(settings.Listen, daemon.Status.Port, NodeService.RepoPathOnDaemon);

    public StatusDocument Build()
    {
        var serving = daemon.Status;
        var members = mesh.Current.Members;
        var syncStatus = sync.GetStatus();
        var peers = members.Select(m => PeerStatusMapper.Map(m, syncStatus.Peers.FirstOrDefault(p => p.NodeId == m.Id), syncStatus.IsTrusted(m.Id))).ToList();
        var mdnsStatus = mdns?.Status ?? MdnsStatus.Disabled;
        var statistics = mesh.Statistics;
        var drops = new Dictionary<string, long>(statistics.Drops, StringComparer.Ordinal);
        foreach (var (reason, count) in mdnsStatus.Drops)
        {
            drops["mdns-" + reason] = count;
        }

        return new StatusDocument(
            StatusDocument.CurrentVersion,
            new NodeStatus(identity.Id, settings.Name, mesh.LocalEndPoint.Port, mesh.IsEncrypted ? "sealed" : "open", startedAt, syncStatus.Trust?.NodeIds ?? []),
            new ServingInfo(serving.Up, serving.Port, serving.Restarts, serving.LastError, serving.NextTry),
            [new RepoStatus(repo.RepoId, repo.Name, RepoUrl, NodeService.RepoPathOnDaemon, RepositoryError(), PeerStatusMapper.RemoteCap(syncStatus))],
            peers,
            DiscoveryStatusMapper.Map(mdnsStatus, members, settings.Peers, seeds.Status, time.GetUtcNow() - startedAt),
            new GossipInfo(statistics.DatagramsIn, statistics.DatagramsOut, drops, statistics.BytesIn, statistics.BytesOut));
    }

    /// <summary>
    /// HOSTILE 35: the repository moved or deleted under the running node. The node keeps gossiping and serving
    /// status; fetches fail with a local error (not the peer's) and resume once the repository is back.
    /// </summary>
    private string? RepositoryError() =>
        File.Exists(Path.Combine(repo.GitDirectory, "HEAD"))
            ? null
            : $"repository not found at {repo.WorkingDirectory} (moved or deleted?)";
}
