using System.Collections.Immutable;

namespace PeerMesh.Sync.Status;

/// <summary>Sync state of one managed remote (one peer, one repository).</summary>
/// <param name="Repo">Repository id.</param>
/// <param name="Remote">The git remote's name.</param>
/// <param name="Url">Its URL.</param>
/// <param name="LastFetch">The last fetch, null before the first.</param>
/// <param name="NextFetch">When the periodic backstop (or, after a local error, the local retry) fetches next, null while the peer is offline.</param>
/// <param name="Branches">Ahead/behind per branch present on both sides, by name.</param>
/// <param name="Rewritten">True once the peer rewrote the history of a branch we track (force update seen).</param>
/// <param name="RewrittenRefs">The tracking refs of the last rewrite.</param>
/// <param name="InProgress">A fetch is running now.</param>
/// <param name="Breaker">The peer's circuit breaker: its state, failures, and while open when it lets a fetch through.</param>
/// <param name="AddressConflict">Two nodes claim this peer's id (its URL is held still).</param>
/// <param name="Progress">The running fetch's transfer, null when idle.</param>
internal sealed record RemoteSyncStatus(
    string Repo,
    string Remote,
    string? Url,
    LastFetchStatus? LastFetch,
    DateTimeOffset? NextFetch,
    ImmutableArray<BranchDivergence> Branches,
    bool Rewritten,
    ImmutableArray<string> RewrittenRefs,
    bool InProgress,
    BreakerStatus Breaker,
    bool AddressConflict,
    FetchTransferStatus? Progress = null);
