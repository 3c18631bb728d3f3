namespace PeerMesh.Sync.Fetching;

/// <summary>
/// The periodic backstop: after each fetch of a live, trusted peer (success or a peer-side failure) one timer per
/// peer fires after <c>I * (1 + FetchJitter * (2r - 1))</c>, r uniform in [0, 1), so peers drift apart instead of
/// fetching in lockstep, where <c>I = min(FetchInterval * 2^q, max(FetchInterval, QuietFetchMaxInterval))</c> and q is
/// the number of fetches in a row that found nothing new: a quiet peer costs a fetch every 10 minutes, not every
/// minute. It catches an announcement that was lost. Offline and untrusted peers have no
/// backstop (a join or a trust change fetches them). Driven by <see cref="TimeProvider"/> timers; the timer calls
/// <c>onDue</c>, which takes the scheduler's lock and triggers. Not thread-safe: called under the scheduler's lock.
/// </summary>
internal sealed class BackstopTimers
{
    private readonly SyncOptions _options;
    private readonly TimeProvider _time;
    private readonly Action<PeerFetchState> _onDue;
    private readonly Func<double> _random01;

    public BackstopTimers(SyncOptions options, TimeProvider time, Action<PeerFetchState> onDue, Func<double>? random01 = null)
    {
        _options = options;
        _time = time;
        _onDue = onDue;
        _random01 = random01 ?? Random.Shared.NextDouble;
    }

    /// <summary>
    /// (Re)arms the peer's backstop after <paramref name="delay"/>, or after the jittered interval when null; returns
    /// when it fires (also shown as the peer's next fetch).
    /// </summary>
    public DateTimeOffset Arm(PeerFetchState state, TimeSpan? delay = null)
    {
        Disarm(state);
        var wait = delay ?? FetchPlanner.Jittered(Interval(_options, state.QuietFetches), _options.FetchJitter, _random01());
        var due = _time.GetUtcNow() + wait;
        state.NextFetch = due;
        state.Backstop = _time.CreateTimer(s => _onDue((PeerFetchState)s!), state, wait, Timeout.InfiniteTimeSpan);
        return due;
    }

    /// <summary>The backstop's interval before jitter after <paramref name="quietFetches"/> fetches that found nothing.</summary>
    public static TimeSpan Interval(SyncOptions options, int quietFetches)
    {
        var cap = options.QuietFetchMaxInterval > options.FetchInterval ? options.QuietFetchMaxInterval : options.FetchInterval;
        var interval = options.FetchInterval;
        for (var i = 0; i < quietFetches && interval < cap; i++)
        {
            interval *= 2;
        }

        return interval < cap ? interval : cap;
    }

    public static void Disarm(PeerFetchState state)
    {
        state.Backstop?.Dispose();
        state.Backstop = null;
        state.NextFetch = null;
    }
}
