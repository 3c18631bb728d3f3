using PeerMesh.Mesh.Timing;
using Xunit;

namespace PeerMesh.Mesh.Tests.Timing;

public sealed class BackoffTests
{
    private static readonly Backoff s_seconds = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(7, 30)]
    public void Delay_NthFailure_DoublesFromInitialUpToTheCap(int failures, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), s_seconds.Delay(failures));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Delay_NoFailureOrLess_TheInitialWait(int failures) =>
        Assert.Equal(TimeSpan.FromSeconds(1), s_seconds.Delay(failures));

    [Theory]
    [InlineData(31)]
    [InlineData(62)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(1000)]
    [InlineData(int.MaxValue)]
    public void Delay_HighAttemptCounts_TheCapNeverAnOverflow(int failures) =>
        Assert.Equal(TimeSpan.FromSeconds(30), s_seconds.Delay(failures));

    [Fact]
    public void Delay_CapAtTimeSpanMax_DoublesToTheLastExactStepThenTheCap()
    {
        var backoff = new Backoff(TimeSpan.FromTicks(1), TimeSpan.MaxValue);

        Assert.Equal(TimeSpan.FromTicks(1L << 62), backoff.Delay(63)); // the largest power of two a tick count holds
        Assert.Equal(TimeSpan.MaxValue, backoff.Delay(64));
        Assert.Equal(TimeSpan.MaxValue, backoff.Delay(int.MaxValue));
        for (var n = 1; n < 200; n++)
        {
            Assert.True(backoff.Delay(n) >= backoff.Delay(n - 1), $"not monotonic at {n}");
        }
    }

    [Fact]
    public void Delay_CapNotAPowerOfTwoOfInitial_CapReachedNotPassed()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(1));

        Assert.Equal(
            [TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(600), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)],
            Enumerable.Range(1, 4).Select(backoff.Delay));
    }

    [Fact]
    public void Delay_InitialEqualsMax_AlwaysThatWait() =>
        Assert.All(
            new[] { 1, 2, 40, int.MaxValue }.Select(new Backoff(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)).Delay),
            d => Assert.Equal(TimeSpan.FromSeconds(5), d));

    [Fact]
    public void DelayWithRandom_Jitter_WithinPlusMinusTheFractionAndSpread()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), jitter: 0.2);
        var random = new Random(12345);

        var waits = Enumerable.Range(0, 2000).Select(_ => backoff.Delay(3, random)).ToList();

        Assert.All(waits, w => Assert.InRange(w, TimeSpan.FromSeconds(3.2), TimeSpan.FromSeconds(4.8)));
        // Spread over the range, not stuck at one end: both outer tenths are hit.
        Assert.Contains(waits, w => w < TimeSpan.FromSeconds(3.36));
        Assert.Contains(waits, w => w > TimeSpan.FromSeconds(4.64));
    }

    [Fact]
    public void DelayWithRandom_JitterAtTheCap_SpreadAroundTheCap()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), jitter: 0.2);

        Assert.Equal(TimeSpan.FromSeconds(48), backoff.Delay(100, new FixedRandom(0)));
        Assert.Equal(TimeSpan.FromSeconds(60), backoff.Delay(100, new FixedRandom(0.5)));
        Assert.Equal(TimeSpan.FromSeconds(72), backoff.Delay(100, new FixedRandom(Math.BitDecrement(1.0)))); // to the nearest tick
    }

    [Fact]
    public void DelayWithRandom_NoJitter_ExactlyTheDelay()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));

        Assert.Equal(TimeSpan.FromSeconds(8), backoff.Delay(4, new FixedRandom(0.99)));
    }

    [Fact]
    public void Spread_HugeValue_SaturatesAtTimeSpanMax() =>
        Assert.Equal(
            TimeSpan.MaxValue,
            new Backoff(TimeSpan.FromTicks(1), TimeSpan.MaxValue, jitter: 0.5).Spread(TimeSpan.MaxValue, new FixedRandom(0.99)));

    [Fact]
    public void Constructor_BadArguments_Refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backoff(TimeSpan.Zero, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backoff(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), jitter: -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), jitter: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), jitter: double.NaN));
    }

    /// <summary>A Random whose every NextDouble is <paramref name="value"/>: the ends of the jitter range exactly.</summary>
    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }
}
