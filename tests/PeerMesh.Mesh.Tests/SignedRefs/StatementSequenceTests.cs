using PeerMesh.Mesh.SignedRefs;
using Xunit;

namespace PeerMesh.Mesh.Tests.SignedRefs;

public sealed class StatementSequenceTests
{
    private static readonly DateTimeOffset s_now = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);

    [Theory]
    [InlineData(0, 1_800_000_000_000)]
    [InlineData(5, 1_800_000_000_000)]
    [InlineData(1_800_000_000_000, 1_800_000_000_001)]
    [InlineData(1_800_000_500_000, 1_800_000_500_001)]
    [InlineData(1_800_086_400_000, 1_800_086_400_001)]
    [InlineData(1_800_086_400_001, 1_800_000_000_000)]
    [InlineData(long.MaxValue, 1_800_000_000_000)]
    [InlineData(-7, 1_800_000_000_000)]
    public void Next_Previous_MaxOfPreviousPlusOneAndClockWithinTheBound(long previous, long expected)
    {
        Assert.Equal(expected, StatementSequence.Next(previous, s_now));
    }

    [Fact]
    public void Next_ClockBeforeTheEpoch_StillPositive()
    {
        Assert.Equal(1, StatementSequence.Next(0, DateTimeOffset.UnixEpoch - TimeSpan.FromDays(1)));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(-1, false)]
    [InlineData(1, true)]
    [InlineData(1_800_086_400_000, true)]
    [InlineData(1_800_086_400_001, false)]
    [InlineData(long.MaxValue, false)]
    public void IsPlausible_Sequence_OnlyUpToTheClockPlusADay(long sequence, bool expected)
    {
        Assert.Equal(expected, StatementSequence.IsPlausible(sequence, s_now));
    }
}
