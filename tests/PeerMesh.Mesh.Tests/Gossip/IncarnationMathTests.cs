using PeerMesh.Mesh.Gossip;
using Xunit;

namespace PeerMesh.Mesh.Tests.Gossip;

public sealed class IncarnationMathTests
{
    private static readonly DateTimeOffset s_now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0L, 1L)]
    [InlineData(1_767_225_600L, 1_767_225_601L)]
    [InlineData(long.MaxValue - 1, long.MaxValue)]
    [InlineData(long.MaxValue, long.MaxValue)]
    public void Next_AnyIncarnation_OneMoreSaturatingNeverWraps(long incarnation, long expected) =>
        Assert.Equal(expected, IncarnationMath.Next(incarnation));

    [Theory]
    [InlineData(5L, 3L, 8L)]
    [InlineData(long.MaxValue - 2, 3L, long.MaxValue)]
    [InlineData(long.MaxValue, long.MaxValue, long.MaxValue)]
    [InlineData(5L, 0L, 5L)]
    public void SaturatingAdd_NearTheTop_StopsAtMaxValue(long a, long b, long expected) =>
        Assert.Equal(expected, IncarnationMath.SaturatingAdd(a, b));

    [Theory]
    [InlineData(0L, true)]
    [InlineData(1_767_225_600L, true)]
    [InlineData(1_767_225_600L + 86_400, true)]
    [InlineData(1_767_225_600L + 86_401, false)]
    [InlineData(long.MaxValue, false)]
    [InlineData(-1L, false)]
    [InlineData(long.MinValue, false)]
    public void IsPlausible_AgainstClockPlusADay_OnlyUpToTheBound(long incarnation, bool plausible) =>
        Assert.Equal(plausible, IncarnationMath.IsPlausible(incarnation, s_now, TimeSpan.FromHours(24)));

    [Fact]
    public void Bound_LargestClockAndAllowance_PositiveNoOverflow() =>
        Assert.InRange(IncarnationMath.Bound(DateTimeOffset.MaxValue, TimeSpan.MaxValue), DateTimeOffset.MaxValue.ToUnixTimeSeconds(), long.MaxValue);
}
