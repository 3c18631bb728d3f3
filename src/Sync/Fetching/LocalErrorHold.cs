namespace PeerMesh.Sync.Fetching;

/// <summary>
/// The retry policy for local errors (disk full, our repository gone): no peer is to blame and every peer would
/// fail alike, so instead of each peer's Polly pipeline one hold stops all fetches for a wait that doubles per
/// consecutive local failure: <c>min(LocalErrorRetryDelay * 2^(n-1), LocalErrorMaxRetryDelay)</c> after the n-th.
/// A failure inside the current wait does not double it. When the wait elapses one held peer probes; a fetch that
/// gets past our repository (whatever the peer answers) ends the hold, and so does, for a missing repository, a
/// successful read of the refs that began after the failure (the repository moved back).
/// Driven by its timer (<see cref="TimeProvider"/>) and by the scheduler's fetch results and refs reads.
/// Not thread-safe: every member is called under the scheduler's lock; the timer calls <c>onElapsed</c>, which
/// takes that lock and then calls <see cref="Elapse"/>.
/// </summary>
internal sealed class LocalErrorHold : IDisposable
{
    private readonly SyncOptions _options;
    private readonly TimeProvider _time;
    private readonly Action _onElapsed;
    private ITimer? _timer;
    private long _failedAt;

    public LocalErrorHold(SyncOptions options, TimeProvider time, Action onElapsed)
    {
        _options = options;
        _time = time;
        _onElapsed = onElapsed;
    }

    /// <summary>Consecutive local failures (0: none since the last success).</summary>
    public int Failures { get; private set; }

    /// <summary>The kind of the last local failure.</summary>
    public FetchErrorKind Kind { get; private set; }

    /// <summary>The end of the current wait, or null when none runs.</summary>
    public DateTimeOffset? Until { get; private set; }

    /// <summary>True while fetches are held.</summary>
    public bool IsActive => Until is { } until && _time.GetUtcNow() < until;

    /// <summary>A fetch failed on our side: starts a wait unless one runs. The new wait, or null when none started.</summary>
    public TimeSpan? Fail(FetchErrorKind kind)
    {
        Kind = kind;
        _failedAt = _time.GetTimestamp();
        if (IsActive)
        {
            return null;
        }

        Failures++;
        var delay = _options.LocalErrorBackoff.Delay(Failures);
        Until = _time.GetUtcNow() + delay;
        _timer?.Dispose();
        _timer = _time.CreateTimer(static s => ((LocalErrorHold)s!)._onElapsed(), this, delay, Timeout.InfiniteTimeSpan);
        return delay;
    }

    /// <summary>A fetch got past our repository: the error is gone. True when there was one (held peers may run).</summary>
    public bool Recover()
    {
        if (Failures == 0 && Until is null)
        {
            return false;
        }

        Failures = 0;
        Until = null;
        _timer?.Dispose();
        _timer = null;
        return true;
    }

    /// <summary>
    /// True when a successful read of the refs that began at <paramref name="readStartedTimestamp"/> (a
    /// <see cref="TimeProvider.GetTimestamp"/>) shows the error is gone: the last failure was a missing repository
    /// and the read began after it. Readable refs say nothing about a full disk.
    /// </summary>
    public bool ClearedBy(long readStartedTimestamp) =>
        Failures > 0 && Kind == FetchErrorKind.LocalRepository && readStartedTimestamp > _failedAt;

    /// <summary>The timer fired: the wait is over now, whatever the wall clock says (a timer may fire a little early).</summary>
    public void Elapse() => Until = null;

    public void Dispose()
    {
        _timer?.Dispose();
        _timer = null;
        Until = null;
    }
}
