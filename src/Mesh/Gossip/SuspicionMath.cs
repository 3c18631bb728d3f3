namespace PeerMesh.Mesh.Gossip;

/// <summary>The scaling formulas of SWIM/Lifeguard (as in memberlist's util.go), pure.</summary>
internal static class SuspicionMath
{
    /// <summary>min = mult * max(1, log10(max(1, n))) * interval.</summary>
    public static TimeSpan MinTimeout(int suspicionMult, int memberCount, TimeSpan probeInterval)
    {
        var nodeScale = Math.Max(1.0, Math.Log10(Math.Max(1.0, memberCount)));
        return TimeSpan.FromTicks((long)(suspicionMult * nodeScale * probeInterval.Ticks));
    }

    /// <summary>
    /// Lifeguard: timeout(c) = max(min, max - (max - min) * log(c + 1) / log(k + 1)) for c independent
    /// confirmations out of k expected; k &lt; 1 means the minimum at once.
    /// </summary>
    public static TimeSpan Timeout(TimeSpan min, TimeSpan max, int expectedConfirmations, int confirmations)
    {
        if (expectedConfirmations < 1)
        {
            return min;
        }

        var fraction = Math.Log(confirmations + 1.0) / Math.Log(expectedConfirmations + 1.0);
        var ticks = max.Ticks - (long)((max.Ticks - min.Ticks) * fraction);
        return TimeSpan.FromTicks(Math.Max(min.Ticks, ticks));
    }

    /// <summary>Expected independent confirmations k = mult - 2, or 0 when too few members could confirm (n - 2 &lt; k).</summary>
    public static int ExpectedConfirmations(int suspicionMult, int memberCount)
    {
        var k = suspicionMult - 2;
        return memberCount - 2 < k ? 0 : Math.Max(0, k);
    }

    /// <summary>Retransmissions per update: mult * ceil(log10(n + 1)).</summary>
    public static int RetransmitLimit(int retransmitMult, int memberCount) =>
        retransmitMult * (int)Math.Ceiling(Math.Log10(memberCount + 1.0));

    /// <summary>Push-pull interval scaled up past 32 members: interval * (ceil(log2(n) - log2(32)) + 1).</summary>
    public static TimeSpan PushPullInterval(TimeSpan interval, int memberCount)
    {
        const int ScaleThreshold = 32;
        if (memberCount <= ScaleThreshold)
        {
            return interval;
        }

        var multiplier = Math.Ceiling(Math.Log2(memberCount) - Math.Log2(ScaleThreshold)) + 1.0;
        return TimeSpan.FromTicks((long)(interval.Ticks * multiplier));
    }
}
