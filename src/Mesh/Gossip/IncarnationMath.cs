namespace PeerMesh.Mesh.Gossip;

/// <summary>
/// Incarnation arithmetic and bounds (HOSTILE 46), pure. An incarnation is the node's wall clock in Unix seconds
/// when it started, plus one per refutation or change of its announcement, so a plausible one is near a clock:
/// <list type="bullet">
/// <item>received: 0 &lt;= incarnation &lt;= receiver's clock (s) + IncarnationTolerance;</item>
/// <item>our own: we refute only up to our clock (s) + MaxIncarnationLead, so our incarnation stays acceptable to
/// peers whose clocks are up to IncarnationTolerance - MaxIncarnationLead behind ours.</item>
/// </list>
/// Additions saturate at <see cref="long.MaxValue"/>: nothing here ever wraps.
/// </summary>
internal static class IncarnationMath
{
    /// <summary><paramref name="incarnation"/> + 1, or <see cref="long.MaxValue"/> when already there.</summary>
    public static long Next(long incarnation) => incarnation == long.MaxValue ? long.MaxValue : incarnation + 1;

    /// <summary>a + b for b &gt;= 0, saturating at <see cref="long.MaxValue"/>.</summary>
    public static long SaturatingAdd(long a, long b) => b > 0 && a > long.MaxValue - b ? long.MaxValue : a + b;

    /// <summary>The highest incarnation believable at <paramref name="now"/>: now in Unix seconds + <paramref name="allowance"/>.</summary>
    public static long Bound(DateTimeOffset now, TimeSpan allowance) =>
        SaturatingAdd(now.ToUnixTimeSeconds(), (long)Math.Max(0, Math.Ceiling(allowance.TotalSeconds)));

    /// <summary>True when <paramref name="incarnation"/> is in 0..<see cref="Bound"/>.</summary>
    public static bool IsPlausible(long incarnation, DateTimeOffset now, TimeSpan allowance) =>
        incarnation >= 0 && incarnation <= Bound(now, allowance);
}
