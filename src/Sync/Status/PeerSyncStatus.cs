using System.Collections.Immutable;

namespace PeerMesh.Sync.Status;

/// <summary>Sync state per member id.</summary>
/// <param name="NodeId">The peer's node id.</param>
/// <param name="Online">Live in the membership table now.</param>
/// <param name="Trusted">False when <c>peermesh.trust</c> lists other nodes: its remote is kept but not fetched.</param>
/// <param name="Remotes">Its remotes (one per shared repository).</param>
internal sealed record PeerSyncStatus(string NodeId, bool Online, bool Trusted, ImmutableArray<RemoteSyncStatus> Remotes);
