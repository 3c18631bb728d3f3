namespace PeerMesh.Sync.Fetching;

/// <summary>
/// What the status shows of one peer's circuit breaker beyond Polly's state: how many attempts failed for the
/// peer's own fault since the breaker last closed, and when an open breaker lets a fetch through again. Fed by the
/// breaker's callbacks (<see cref="FetchPipelines.Configure"/>); read from the status projection on another thread.
/// </summary>
internal sealed class BreakerWatch
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private int _failures;
    private DateTimeOffset? _retryAt;

    public BreakerWatch(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Failed attempts (the peer's fault) since the breaker last closed.</summary>
    public int Failures
    {
        get
        {
            lock (_gate)
            {
                return _failures;
            }
        }
    }

    /// <summary>When the open breaker lets the next fetch through; null while it is not open.</summary>
    public DateTimeOffset? RetryAt
    {
        get
        {
            lock (_gate)
            {
                return _retryAt;
            }
        }
    }

    public void Failed()
    {
        lock (_gate)
        {
            _failures++;
        }
    }

    public void Opened(TimeSpan breakDuration)
    {
        lock (_gate)
        {
            _retryAt = _time.GetUtcNow() + breakDuration;
        }
    }

    /// <summary>Half-open: one fetch is let through now.</summary>
    public void HalfOpened()
    {
        lock (_gate)
        {
            _retryAt = null;
        }
    }

    public void Closed()
    {
        lock (_gate)
        {
            _failures = 0;
            _retryAt = null;
        }
    }
}
