using System.Collections.Immutable;
using PeerMesh.Sync.Remotes;
using PeerMesh.Sync.Status;
using PeerMesh.Sync.Trust;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// The status picture of the scheduler's peers: one immutable <see cref="SyncStatus"/> built under the scheduler's
/// lock from the peer table, the breakers, the conflicts and the transfers running now. Pure projection, no state.
/// </summary>
internal static class FetchStatusProjection
{
    public static SyncStatus Build(
        string repoId,
        string? localDigest,
        IEnumerable<PeerFetchState> peers,
        TrustList trust,
        FetchPipelines pipelines,
        IManagedRemotes remotes,
        IPeerFetcher fetcher) =>
        new(
            repoId,
            localDigest,
            peers
                .Where(p => p.RemoteName is not null)
                .OrderBy(p => p.NodeId, StringComparer.Ordinal)
                .Select(p => new PeerSyncStatus(
                    p.NodeId,
                    p.Live,
                    trust.IsTrusted(p.NodeId),
                    [
                        new RemoteSyncStatus(
                            repoId,
                            p.RemoteName!,
                            p.Url,
                            p.LastFetch,
                            p.NextFetch,
                            p.Branches,
                            p.Rewritten,
                            p.RewrittenRefs,
                            p.InFlight,
                            pipelines.Breaker(p.NodeId),
                            remotes.HasConflict(p.NodeId),
                            p.InFlight ? fetcher.Transfer(p.RemoteName!) : null),
                    ]))
                .ToImmutableArray(),
            trust);
}
