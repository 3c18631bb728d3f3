namespace PeerMesh.Discovery.Mdns;

/// <summary>
/// One re-armable timer whose callback runs under the discovery lock: for "the next query" or "the
/// next expiry", where re-arming must replace the previous due time rather than add timers.
/// </summary>
internal sealed class MdnsTimerSlot : IDisposable
{
    private readonly MdnsScheduler _scheduler;
    private readonly Action _action;
    private readonly ITimer _timer;
    private TimeSpan? _dueAt;

    public MdnsTimerSlot(MdnsScheduler scheduler, Action action)
    {
        _scheduler = scheduler;
        _action = action;
        _timer = scheduler.Time.CreateTimer(_ => Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>When it will fire, if armed.</summary>
    public TimeSpan? DueAt => _dueAt;

    /// <summary>Fires once after <paramref name="due"/>, replacing any earlier arming. Call under the lock.</summary>
    public void Arm(TimeSpan due)
    {
        if (due < TimeSpan.FromTicks(1))
        {
            due = TimeSpan.FromTicks(1);
        }

        _dueAt = MdnsClock.Now(_scheduler.Time) + due;
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    public void Disarm()
    {
        _dueAt = null;
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => _timer.Dispose();

    private void Fire()
    {
        lock (_scheduler.Gate)
        {
            // A callback already queued when the slot was re-armed or disarmed is stale.
            if (_scheduler.IsDisposed || _dueAt is not { } due || MdnsClock.Now(_scheduler.Time) < due)
            {
                return;
            }

            _dueAt = null;
            _scheduler.Run(_action);
        }
    }
}
