namespace PeerMesh.Cli.Status;

/// <summary>One managed remote of a peer in the status contract.</summary>
/// <param name="Breaker">The peer's circuit breaker: "closed", "open" (fetches paused after failures) or "half-open" (one fetch let through to test the peer).</param>
/// <param name="BreakerFailures">Failed attempts (the peer's fault) since the breaker last closed.</param>
/// <param name="BreakerNextTry">While open: when the breaker lets a fetch through again (the next fetch from then on tries); null otherwise.</param>
/// <param name="AddressConflict">Two addresses take turns claiming this peer's id: its remote keeps the URL it had until one of them stops.</param>
/// <param name="LocalPath">The local repository (work tree) this remote is in: a node serving several projects has remotes in several.</param>
internal sealed record PeerRemoteStatus(
    string Repo,
    string Remote,
    LastFetchInfo? LastFetch,
    DateTimeOffset? NextFetch,
    IReadOnlyList<BranchStatus> Branches,
    bool Fetching = false,
    bool Rewritten = false,
    FetchProgressInfo? Progress = null,
    string Breaker = "closed",
    int BreakerFailures = 0,
    DateTimeOffset? BreakerNextTry = null,
    bool AddressConflict = false,
    string? LocalPath = null);
