namespace PeerMesh.Sync.Fetching;

/// <summary>Why a fetch failed, coarse enough to decide on a retry and to say in plain words.</summary>
internal enum FetchErrorKind
{
    Other = 0,

    /// <summary>Nothing listens at the peer's port: the node is down or restarting. Transient.</summary>
    ConnectionRefused = 1,

    /// <summary>No route, reset, host down. Transient.</summary>
    NetworkError = 2,

    /// <summary>The watchdog or the socket read timeout fired: the peer accepted and then said nothing.</summary>
    NoAnswer = 3,

    /// <summary>The received data went over the pack size cap.</summary>
    PackTooLarge = 4,

    /// <summary>A ref or config lock held by someone else (the user's own git). Transient.</summary>
    LockContention = 5,

    /// <summary>The fetch would have written outside <c>refs/remotes/&lt;remote&gt;/</c>; stopped.</summary>
    ForeignRefUpdate = 6,

    /// <summary>The remote is not a managed remote with a git:// URL; refused.</summary>
    NotManaged = 7,

    /// <summary>The breaker for this peer is open.</summary>
    CircuitOpen = 8,

    /// <summary>The overall or attempt deadline passed.</summary>
    TimedOut = 9,

    /// <summary>Stopped because the node is stopping.</summary>
    Cancelled = 10,

    /// <summary>The peer's repository or protocol answer was bad (not found, corrupt pack, ...).</summary>
    BadAnswer = 11,

    /// <summary>Our own repository is gone or unreadable (moved, deleted): not the peer's fault (HOSTILE 35).</summary>
    LocalRepository = 12,

    /// <summary>
    /// Our own disk is full (ENOSPC) or over quota while writing the pack or refs: not the peer's fault; retried by
    /// the scheduler with a growing delay, not per trigger (HOSTILE 34).
    /// </summary>
    LocalStorage = 13,

    /// <summary>
    /// The peer moved while the attempt ran at its old address: not the peer's fault, never retried by Polly or counted
    /// by its breaker; the scheduler runs the fetch again at once at the new address.
    /// </summary>
    AddressMoved = 14,
}
