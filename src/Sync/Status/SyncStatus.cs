using System.Collections.Immutable;
using PeerMesh.Sync.Trust;

namespace PeerMesh.Sync.Status;

/// <summary>An immutable picture of sync for <c>status</c>.</summary>
/// <param name="RepoId">The local repository's id.</param>
/// <param name="LocalRefsDigest">The digest last published for the local branches.</param>
/// <param name="Peers">One entry per peer that has (or had) a managed remote, ordered by node id.</param>
/// <param name="Trust">The trust list in force; null = everyone.</param>
/// <param name="RemoteCap">The cap on managed remotes and how many nodes it left without one; null if unknown.</param>
/// <param name="SignedRefs">Own statement, authors held and copies refused; null when the node signs nothing.</param>
internal sealed record SyncStatus(string RepoId, string? LocalRefsDigest, ImmutableArray<PeerSyncStatus> Peers, TrustList? Trust = null, RemoteCapStatus? RemoteCap = null, SignedRefsStatus? SignedRefs = null)
{
    /// <summary>Whether a node (with or without a remote) may be fetched under <see cref="Trust"/>.</summary>
    public bool IsTrusted(string nodeId) => (Trust ?? TrustList.Everyone).IsTrusted(nodeId);

    public PeerSyncStatus? Find(string nodeId) => Peers.FirstOrDefault(p => p.NodeId == nodeId);
}
