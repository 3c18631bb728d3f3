using PeerMesh.Mesh.Timing;

namespace PeerMesh.Sync;

/// <summary>
/// Tunables of the sync side. Defaults suit a LAN; tests use shorter values. Checked by <see cref="Validate"/> at start.
/// </summary>
internal sealed class SyncOptions
{
    /// <summary>Periodic backstop between fetches of one peer (<c>--fetch-interval</c>). Default 60 s.</summary>
    public TimeSpan FetchInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Longest backstop of a quiet peer. A backstop fetch that finds nothing new (no refs moved, no new announcement
    /// since the last fetch) doubles that peer's next backstop, from <see cref="FetchInterval"/> up to this; any
    /// fetch that moves a ref, or a new announcement, starts again at <see cref="FetchInterval"/>. Default 10 min: an
    /// idle node serving 10 repositories with 2 peers made 20 fetches a minute (each one a connection, a
    /// <c>git upload-pack</c> on the peer and a ref scan here) that only ever confirmed nothing had changed;
    /// announcements (and gossip's periodic full exchange, which repairs a lost one) bring changes within
    /// milliseconds. Below <see cref="FetchInterval"/> it counts as <see cref="FetchInterval"/> (no stretching).
    /// </summary>
    public TimeSpan QuietFetchMaxInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Relative jitter on <see cref="FetchInterval"/>: 0.2 means +-20 %, so peers do not fetch in lockstep.</summary>
    public double FetchJitter { get; set; } = 0.2;

    /// <summary>Fetches running at once over all peers. Default 4: enough to hide one slow peer, small enough for a laptop.</summary>
    public int MaxConcurrentFetches { get; set; } = 4;

    /// <summary>Bound on one fetch including its retries. Default 5 min (a large first fetch on a slow Wi-Fi).</summary>
    public TimeSpan OverallTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Bound on one attempt. Default 2 min.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Retries after the first attempt, for transient network errors and lock contention only. Default 2.</summary>
    public int RetryAttempts { get; set; } = 2;

    /// <summary>First retry delay; doubles per attempt, with jitter. Default 1 s.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Cap of one retry delay (Polly: base * 2^(attempt-1), jittered, at most this). Default 30 s: with the default
    /// base and two retries the delays are about 1 and 2 s and the cap never bites; it bounds a configuration with a
    /// larger base or more attempts, so a retry still starts well within <see cref="OverallTimeout"/>. Must be at
    /// least <see cref="RetryBaseDelay"/> and at most <see cref="OverallTimeout"/>.
    /// </summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Attempts seen within <see cref="BreakerSamplingDuration"/> before the breaker may open. Default 3: fetches are
    /// rare (one a minute, or one per commit), so Polly's default of 100 would never be reached.
    /// </summary>
    public int BreakerMinimumThroughput { get; set; } = 3;

    /// <summary>Failed share of the sampled attempts that opens the breaker. Default 0.5.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Window the breaker samples over. Default 5 min (several backstop ticks).</summary>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an open breaker refuses fetches before letting one through. Default 30 s.</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A fetch that makes no progress for this long is aborted (libgit2 can wait forever on a silent server). Also
    /// set as libgit2's socket read timeout, which is what ends a read blocked on a server that never answers.
    /// Default 30 s (git daemon's upload-pack sends keep-alives every 5 s while it prepares a pack).
    /// </summary>
    public TimeSpan WatchdogTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>TCP connect timeout for libgit2. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A fetch that has received more than this is aborted. Default 2 GiB.</summary>
    public long MaxPackBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Tracking refs one fetch may write; a peer announcing more branches is stopped there. Default 10 000.</summary>
    public int MaxTrackingRefs { get; set; } = 10_000;

    /// <summary>
    /// A <c>*.lock</c> under <c>refs/remotes/&lt;managed remote&gt;/</c> older than this is left over from a crash
    /// and removed before the next fetch. Default 60 s: git and libgit2 hold a ref lock for milliseconds, only
    /// while writing that ref, so a minute-old one belongs to a killed process. (At start, when no fetch of ours
    /// can be running, locks older than <see cref="StartupStaleLockAge"/> are removed.)
    /// </summary>
    public TimeSpan StaleLockAge { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Age above which a ref lock of a managed remote is removed at start. Default 2 s (only a lock being written right now is spared).</summary>
    public TimeSpan StartupStaleLockAge { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Safety poll of an idle repository: its refs digest and its config (<c>peermesh.trust</c>) are read again this
    /// often although no file-system event came, to catch what the events missed. Changes are normally seen through
    /// the events within milliseconds, so this only bounds how late a lost event is noticed. Default 60 s (a look
    /// costs a millisecond or two; ten repositories looked at every 2 s were most of an idle node's CPU).
    /// </summary>
    public TimeSpan RefPollInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The poll used instead of <see cref="RefPollInterval"/> while file-system events cannot be had (out of inotify
    /// watches, a file system without notifications: said once in the log) and while the refs cannot be read (the
    /// repository moved away: its return is noticed this soon). Default 2 s.
    /// </summary>
    public TimeSpan RefFallbackPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Quiet time after a refs change event before the digest is computed (git writes several files). Default 5 ms.</summary>
    public TimeSpan RefDebounce { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// After a local error (disk full, repository gone) no peer is fetched for this long, whatever asks; then one
    /// peer is tried. Doubles per consecutive local failure up to <see cref="LocalErrorMaxRetryDelay"/>. Default 5 s.
    /// </summary>
    public TimeSpan LocalErrorRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Cap of the growing wait after local errors. Default 60 s (the backstop's cadence).</summary>
    public TimeSpan LocalErrorMaxRetryDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The wait after the n-th consecutive local error: <c>min(LocalErrorRetryDelay * 2^(n-1), LocalErrorMaxRetryDelay)</c>, no jitter.</summary>
    public Backoff LocalErrorBackoff => new(LocalErrorRetryDelay, LocalErrorMaxRetryDelay);

    /// <summary>
    /// After the managed remotes could not be updated (the config locked by the user's git) or the membership view
    /// failed, look again this soon even if the membership does not change. Default 5 s: a config lock is held for
    /// milliseconds, so the next try almost always succeeds, and a broken view is not hammered.
    /// </summary>
    public TimeSpan ReconcileRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Interval of the "fetching from X: objects, bytes, rate" log line of a long fetch. Default 3 s (a short fetch logs none).</summary>
    public TimeSpan ProgressLogInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Managed remotes one repository may have (HOSTILE 47): beyond it a node serving the project gets no remote, no
    /// fetch state and no fetched data, and status says how many were refused. Existing remotes are kept, and nodes
    /// pinned with <c>peermesh.trust</c> are never refused (the user listed them). Default 64: a team sharing one
    /// repository on a LAN is far below it, while each remote costs a config section, a backstop fetch every
    /// <see cref="FetchInterval"/> (64 peers at 60 s is about one fetch a second) and a line of status; node ids are
    /// cheap to make, so without a bound anyone on the mesh could grow the user's config and disk at will.
    /// </summary>
    public int MaxManagedRemotes { get; set; } = DefaultMaxManagedRemotes;

    public const int DefaultMaxManagedRemotes = 64;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        Positive(FetchInterval, nameof(FetchInterval));
        Positive(QuietFetchMaxInterval, nameof(QuietFetchMaxInterval));
        if (FetchJitter is < 0 or >= 1 || double.IsNaN(FetchJitter))
        {
            throw new ArgumentOutOfRangeException(nameof(FetchJitter), FetchJitter, "must be in [0, 1)");
        }

        if (MaxConcurrentFetches is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentFetches), MaxConcurrentFetches, "must be in [1, 64]");
        }

        Positive(OverallTimeout, nameof(OverallTimeout));
        Positive(AttemptTimeout, nameof(AttemptTimeout));
        if (RetryAttempts is < 0 or > 10)
        {
            throw new ArgumentOutOfRangeException(nameof(RetryAttempts), RetryAttempts, "must be in [0, 10]");
        }

        Positive(RetryBaseDelay, nameof(RetryBaseDelay));
        if (RetryMaxDelay < RetryBaseDelay || RetryMaxDelay > OverallTimeout)
        {
            throw new ArgumentOutOfRangeException(nameof(RetryMaxDelay), RetryMaxDelay, "must be at least RetryBaseDelay and at most OverallTimeout");
        }

        if (BreakerMinimumThroughput < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(BreakerMinimumThroughput), BreakerMinimumThroughput, "must be at least 2 (Polly's minimum)");
        }

        if (BreakerFailureRatio is <= 0 or > 1 || double.IsNaN(BreakerFailureRatio))
        {
            throw new ArgumentOutOfRangeException(nameof(BreakerFailureRatio), BreakerFailureRatio, "must be in (0, 1]");
        }

        if (BreakerSamplingDuration < TimeSpan.FromMilliseconds(500))
        {
            throw new ArgumentOutOfRangeException(nameof(BreakerSamplingDuration), BreakerSamplingDuration, "must be at least 500 ms (Polly's minimum)");
        }

        if (BreakerBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            throw new ArgumentOutOfRangeException(nameof(BreakerBreakDuration), BreakerBreakDuration, "must be at least 500 ms (Polly's minimum)");
        }

        if (WatchdogTimeout < TimeSpan.FromMilliseconds(100) || WatchdogTimeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(WatchdogTimeout), WatchdogTimeout, "must be in [100 ms, 1 h]");
        }

        if (ConnectTimeout < TimeSpan.FromMilliseconds(100) || ConnectTimeout > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "must be in [100 ms, 1 h]");
        }

        if (MaxPackBytes < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPackBytes), MaxPackBytes, "must be at least 1 KiB");
        }

        Positive(StaleLockAge, nameof(StaleLockAge));
        if (StartupStaleLockAge < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StartupStaleLockAge), StartupStaleLockAge, "must not be negative");
        }

        if (MaxTrackingRefs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTrackingRefs), MaxTrackingRefs, "must be at least 1");
        }

        if (MaxManagedRemotes is < 1 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxManagedRemotes), MaxManagedRemotes, "must be in [1, 4096]");
        }

        Positive(RefPollInterval, nameof(RefPollInterval));
        Positive(RefFallbackPollInterval, nameof(RefFallbackPollInterval));
        if (RefDebounce < TimeSpan.Zero || RefDebounce > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(RefDebounce), RefDebounce, "must be in [0, 1 s]");
        }

        Positive(ProgressLogInterval, nameof(ProgressLogInterval));
        Positive(LocalErrorRetryDelay, nameof(LocalErrorRetryDelay));
        if (LocalErrorMaxRetryDelay < LocalErrorRetryDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(LocalErrorMaxRetryDelay), LocalErrorMaxRetryDelay, "must be at least LocalErrorRetryDelay");
        }

        Positive(ReconcileRetryDelay, nameof(ReconcileRetryDelay));
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, "must be positive");
        }
    }
}
