using System.Collections.Immutable;

namespace PeerMesh.Sync.Status;

/// <summary>An immutable picture of sync for <c>status</c>.</summary>
/// <param name="RepoId">The local repository's id.</param>
/// <param name="LocalRefsDigest">The digest last published for the local branches.</param>
/// <param name="Peers">One entry per peer that has (or had) a managed remote, ordered by node id.</param>
internal sealed record SyncStatus(string RepoId, string? LocalRefsDigest, ImmutableArray<PeerSyncStatus> Peers)
{
    public PeerSyncStatus? Find(string nodeId) => Peers.FirstOrDefault(p => p.NodeId == nodeId);
}
