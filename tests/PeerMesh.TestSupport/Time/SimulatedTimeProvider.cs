namespace PeerMesh.TestSupport.Time;

/// <summary>
/// A fast virtual clock for simulations with thousands of timers (benchmarks). Unlike FakeTimeProvider,
/// <see cref="Advance"/> fires every timer at its own due time, in order, moving the clock to it first;
/// timers created by callbacks fire in the same advance if due. Single-threaded use only.
/// </summary>
internal sealed class SimulatedTimeProvider : TimeProvider
{
    private readonly PriorityQueue<SimTimer, (long Due, long Seq)> _queue = new();
    private long _now;
    private long _seq;

    public SimulatedTimeProvider(DateTimeOffset start) => _now = start.UtcTicks;

    public SimulatedTimeProvider()
        : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow() => new(_now, TimeSpan.Zero);

    public override long GetTimestamp() => _now;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SimTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    public void Advance(TimeSpan delta)
    {
        var end = _now + delta.Ticks;
        // TryPeek lends a timer the queue holds, made and disposed by whoever created it: nothing is made here.
#pragma warning disable CA2000
        while (_queue.TryPeek(out var timer, out var key) && key.Due <= end)
#pragma warning restore CA2000
        {
            _queue.Dequeue();
            if (timer.Generation != key.Seq)
            {
                // Rescheduled or disposed since it was queued.
                continue;
            }

            _now = Math.Max(_now, key.Due);
            timer.Fire();
        }

        _now = end;
    }

    private void Schedule(SimTimer timer, long due)
    {
        var seq = ++_seq;
        timer.Generation = seq;
        _queue.Enqueue(timer, (due, seq));
    }

    private sealed class SimTimer(SimulatedTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private long _period = -1;

        public long Generation { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Generation = 0;
            _period = period == Timeout.InfiniteTimeSpan || period <= TimeSpan.Zero ? -1 : period.Ticks;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                owner.Schedule(this, owner._now + Math.Max(0, dueTime.Ticks));
            }

            return true;
        }

        public void Fire()
        {
            if (_period > 0)
            {
                owner.Schedule(this, owner._now + _period);
            }
            else
            {
                Generation = 0;
            }

            callback(state);
        }

        public void Dispose() => Generation = 0;

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
