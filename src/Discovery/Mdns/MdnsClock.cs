namespace PeerMesh.Discovery.Mdns;

/// <summary>Monotonic time from a <see cref="TimeProvider"/> as a <see cref="TimeSpan"/> since an arbitrary origin.</summary>
internal static class MdnsClock
{
    public static TimeSpan Now(TimeProvider timeProvider)
    {
        var timestamp = timeProvider.GetTimestamp();
        var frequency = timeProvider.TimestampFrequency;

        // Integer maths: a double of seconds loses the sub-millisecond precision timers are compared at.
        return frequency == TimeSpan.TicksPerSecond
            ? TimeSpan.FromTicks(timestamp)
            : TimeSpan.FromTicks((long)((Int128)timestamp * TimeSpan.TicksPerSecond / frequency));
    }
}
