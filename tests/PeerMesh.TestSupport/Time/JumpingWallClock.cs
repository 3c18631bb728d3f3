namespace PeerMesh.TestSupport.Time;

/// <summary>
/// A clock whose wall time can be set off by <see cref="Offset"/> (an NTP step, a suspend, a user) while
/// its monotonic timestamp and timers run on with the inner clock (HOSTILE 8).
/// </summary>
internal sealed class JumpingWallClock(TimeProvider inner) : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + Offset;

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);
}
