namespace PeerMesh.Mesh.Timing;

/// <summary>
/// Exponential backoff, pure: the wait after the n-th consecutive failure is
/// <c>min(Initial * 2^(n-1), Max)</c>, then spread by +-<see cref="Jitter"/> (a fraction) when a
/// <see cref="Random"/> is given. It reads no clock and holds no count: the caller counts its failures and arms
/// its own timer on its <see cref="TimeProvider"/>, so fake-clock tests drive it like any other timer.
/// Integer arithmetic, exact, and it never overflows: any count past the cap is the cap.
/// Used for the git daemon's restarts, the local-error hold of fetches and the seed joiner's retries; peer fetch
/// retries are Polly's (their own jittered backoff inside one fetch).
/// </summary>
internal sealed record Backoff
{
    /// <param name="initial">The wait after the first failure; positive.</param>
    /// <param name="max">The longest wait before jitter; at least <paramref name="initial"/>.</param>
    /// <param name="jitter">The spread of each jittered wait, as a fraction in [0, 1).</param>
    public Backoff(TimeSpan initial, TimeSpan max, double jitter = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        if (!(jitter is >= 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(jitter), jitter, "must be at least 0 and less than 1");
        }

        Initial = initial;
        Max = max;
        Jitter = jitter;
    }

    public TimeSpan Initial { get; }

    public TimeSpan Max { get; }

    public double Jitter { get; }

    /// <summary>The wait after the <paramref name="failures"/>-th consecutive failure, without jitter (0 or less counts as 1).</summary>
    public TimeSpan Delay(int failures)
    {
        var shift = Math.Max(failures, 1) - 1;
        // Initial << shift would pass Max (or overflow) exactly when Initial > Max >> shift.
        return shift >= 63 || Initial.Ticks > Max.Ticks >> shift ? Max : TimeSpan.FromTicks(Initial.Ticks << shift);
    }

    /// <summary><see cref="Delay(int)"/> spread by <see cref="Jitter"/> with <paramref name="random"/>.</summary>
    public TimeSpan Delay(int failures, Random random) => Spread(Delay(failures), random);

    /// <summary>
    /// <paramref name="value"/> times a factor drawn uniformly from [1 - Jitter, 1 + Jitter), to the nearest tick (for waits that are not
    /// backed off, such as a periodic check, spread alike). Saturates at <see cref="TimeSpan.MaxValue"/>.
    /// </summary>
    public TimeSpan Spread(TimeSpan value, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (Jitter == 0)
        {
            return value;
        }

        var ticks = value.Ticks * (1 + (Jitter * ((2 * random.NextDouble()) - 1)));
        return ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)Math.Round(ticks));
    }
}
