using PeerMesh.Mesh.Gossip;
using Xunit;

namespace PeerMesh.Mesh.Tests.Gossip;

public sealed class SuspicionMathTests
{
    [Theory]
    [InlineData(1, 4000)]
    [InlineData(10, 4000)]
    [InlineData(100, 8000)]
    [InlineData(1000, 12000)]
    public void MinTimeout_LanDefaults_MaxOfFourAndFourLog10N(int members, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), SuspicionMath.MinTimeout(4, members, TimeSpan.FromSeconds(1)));

    [Fact]
    public void Timeout_NoConfirmations_IsMaximum() =>
        Assert.Equal(TimeSpan.FromSeconds(24), SuspicionMath.Timeout(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(24), 2, 0));

    [Fact]
    public void Timeout_AllExpectedConfirmations_IsMinimum() =>
        Assert.Equal(TimeSpan.FromSeconds(4), SuspicionMath.Timeout(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(24), 2, 2));

    [Fact]
    public void Timeout_OneOfTwoConfirmations_ShrinksByLogFraction()
    {
        // 24 - 20 * log(2) / log(3) = 11.381 s
        var timeout = SuspicionMath.Timeout(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(24), 2, 1);

        Assert.Equal(11381, (int)timeout.TotalMilliseconds);
    }

    [Fact]
    public void Timeout_NoConfirmationsExpected_IsMinimum() =>
        Assert.Equal(TimeSpan.FromSeconds(4), SuspicionMath.Timeout(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(24), 0, 0));

    [Theory]
    [InlineData(4, 10, 2)]
    [InlineData(4, 4, 2)]
    [InlineData(4, 3, 0)]
    [InlineData(1, 10, 0)]
    public void ExpectedConfirmations_TooFewMembers_Zero(int mult, int members, int expected) =>
        Assert.Equal(expected, SuspicionMath.ExpectedConfirmations(mult, members));

    [Theory]
    [InlineData(1, 4)]
    [InlineData(9, 4)]
    [InlineData(10, 8)]
    [InlineData(100, 12)]
    [InlineData(1000, 16)]
    public void RetransmitLimit_GrowsWithLog10OfN(int members, int expected) =>
        Assert.Equal(expected, SuspicionMath.RetransmitLimit(4, members));

    [Theory]
    [InlineData(10, 30)]
    [InlineData(32, 30)]
    [InlineData(33, 60)]
    [InlineData(64, 60)]
    [InlineData(1000, 180)]
    public void PushPullInterval_ScaledAboveThirtyTwoMembers(int members, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), SuspicionMath.PushPullInterval(TimeSpan.FromSeconds(30), members));

    [Fact]
    public void Suspicion_Confirm_CountsEachMemberOnceAndNotTheAccuser()
    {
        var start = DateTimeOffset.UnixEpoch;
        var suspicion = new Suspicion(1, "accuser", 2, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(24), start);

        Assert.False(suspicion.Confirm("accuser"));
        Assert.True(suspicion.Confirm("b"));
        Assert.False(suspicion.Confirm("b"));
        Assert.True(suspicion.Confirm("c"));
        Assert.False(suspicion.Confirm("d"));
        Assert.Equal(2, suspicion.Confirmations);
        Assert.Equal(start + TimeSpan.FromSeconds(4), suspicion.Deadline);
    }
}
