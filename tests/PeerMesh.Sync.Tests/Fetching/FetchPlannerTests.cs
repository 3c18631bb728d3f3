using PeerMesh.TestSupport.Mesh;
using PeerMesh.Mesh.Membership;
using PeerMesh.Sync.Fetching;
using Xunit;

namespace PeerMesh.Sync.Tests.Fetching;

public sealed class FetchPlannerTests
{
    private const string RepoId = "1111111111111111111111111111111111111111";

    [Theory]
    [InlineData(false, -1, 1, MemberState.Alive, (int)FetchTrigger.Joined)]
    [InlineData(false, 5, 5, MemberState.Alive, (int)FetchTrigger.Joined)]
    [InlineData(false, 5, 5, MemberState.Suspect, (int)FetchTrigger.Joined)]
    [InlineData(true, 5, 6, MemberState.Alive, (int)FetchTrigger.RefsChanged)]
    [InlineData(true, 5, 6, MemberState.Suspect, (int)FetchTrigger.RefsChanged)]
    [InlineData(true, 5, 1, MemberState.Alive, (int)FetchTrigger.RefsChanged)]
    [InlineData(true, 5, 5, MemberState.Alive, (int)FetchTrigger.None)]
    [InlineData(true, 5, 6, MemberState.Dead, (int)FetchTrigger.None)]
    [InlineData(false, 5, 6, MemberState.Left, (int)FetchTrigger.None)]
    public void Decide_Table_Expected(bool wasLive, long requested, long announced, MemberState state, int expected)
    {
        var member = FakeMembershipView.MakeMember("aa", "a", 9418, RepoId, announced, state: state);

        Assert.Equal((FetchTrigger)expected, FetchPlanner.Decide(wasLive, requested, member, RepoId));
    }

    [Theory]
    [InlineData(true, 5, 5, MemberState.Alive, (int)FetchTrigger.Moved)]
    [InlineData(true, 5, 5, MemberState.Suspect, (int)FetchTrigger.Moved)]
    [InlineData(true, 5, 6, MemberState.Alive, (int)FetchTrigger.RefsChanged)]
    [InlineData(false, 5, 5, MemberState.Alive, (int)FetchTrigger.Joined)]
    [InlineData(true, 5, 5, MemberState.Dead, (int)FetchTrigger.None)]
    public void Decide_RemoteUrlChanged_FetchedAtTheNewAddress(bool wasLive, long requested, long announced, MemberState state, int expected)
    {
        var member = FakeMembershipView.MakeMember("aa", "a", 9418, RepoId, announced, state: state);

        Assert.Equal((FetchTrigger)expected, FetchPlanner.Decide(wasLive, requested, member, RepoId, moved: true));
    }

    [Fact]
    public void Decide_MemberServesOtherRepo_None()
    {
        var member = FakeMembershipView.MakeMember("aa", "a", 9418, "2222222222222222222222222222222222222222", 9);

        Assert.Equal(FetchTrigger.None, FetchPlanner.Decide(false, -1, member, RepoId));
    }

    [Theory]
    [InlineData(0.0, 48)]
    [InlineData(0.5, 60)]
    [InlineData(0.999999, 72)]
    public void Jittered_RandomAtBounds_WithinPlusMinusJitter(double random, int expectedSeconds)
    {
        var delay = FetchPlanner.Jittered(TimeSpan.FromSeconds(60), 0.2, random);

        Assert.Equal(expectedSeconds, (int)Math.Round(delay.TotalSeconds));
    }

    [Fact]
    public void Jittered_NoJitter_ExactInterval()
    {
        Assert.Equal(TimeSpan.FromSeconds(60), FetchPlanner.Jittered(TimeSpan.FromSeconds(60), 0, 0.3));
    }
}
