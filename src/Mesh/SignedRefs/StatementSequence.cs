using PeerMesh.Mesh.Gossip;

namespace PeerMesh.Mesh.SignedRefs;

/// <summary>
/// Sequence numbers of statements, pure. An author signs <c>max(previous + 1, now in Unix ms)</c>: the clock carries it
/// above a previous life whose statement is lost (a reinstall, a new clone), and <c>previous + 1</c> keeps it growing
/// when the clock went back. A receiver believes at most its own clock plus <see cref="SignedRefsLimits.SequenceTolerance"/>.
/// Nothing here wraps: additions saturate at <see cref="long.MaxValue"/>.
/// </summary>
internal static class StatementSequence
{
    /// <summary>The highest sequence believable at <paramref name="now"/>.</summary>
    public static long Bound(DateTimeOffset now) =>
        IncarnationMath.SaturatingAdd(Math.Max(0, now.ToUnixTimeMilliseconds()), (long)SignedRefsLimits.SequenceTolerance.TotalMilliseconds);

    /// <summary>True when <paramref name="sequence"/> is in 1..<see cref="Bound"/>.</summary>
    public static bool IsPlausible(long sequence, DateTimeOffset now) => sequence >= 1 && sequence <= Bound(now);

    /// <summary>
    /// The sequence to sign after <paramref name="previous"/> (0 when none): <c>max(previous + 1, now ms)</c>. A previous
    /// beyond <see cref="Bound"/> is ignored (a statement of ours from a clock more than a day ahead, or one planted in
    /// the repository): no receiver whose clock is near ours can have accepted it, and following it would stall at
    /// <see cref="long.MaxValue"/>.
    /// </summary>
    public static long Next(long previous, DateTimeOffset now)
    {
        var clock = Math.Max(1, now.ToUnixTimeMilliseconds());
        return IsPlausible(previous, now) ? Math.Max(IncarnationMath.Next(previous), clock) : clock;
    }
}
