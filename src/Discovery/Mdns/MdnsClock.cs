namespace PeerMesh.Discovery.Mdns;

/// <summary>Monotonic time from a <see cref="TimeProvider"/> as a <see cref="TimeSpan"/> since an arbitrary origin.</summary>
internal static class MdnsClock
{
    public static TimeSpan Now(TimeProvider timeProvider) =>
        TimeSpan.FromSeconds((double)timeProvider.GetTimestamp() / timeProvider.TimestampFrequency);
}
