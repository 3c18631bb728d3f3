using System.Net;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Wire;
using Xunit;

namespace PeerMesh.Mesh.Tests.Membership;

public sealed class MergeRulesTests
{
    private static Member At(MemberState state, long incarnation) =>
        new("0123456789abcdef0123456789abcdef", "n", incarnation, state, new IPEndPoint(IPAddress.Loopback, 1), 0, [], DiscoverySource.Gossip, DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData(UpdateKind.Alive, (int)MergeDecision.Apply)]
    [InlineData(UpdateKind.Suspect, (int)MergeDecision.Ignore)]
    [InlineData(UpdateKind.Dead, (int)MergeDecision.Ignore)]
    [InlineData(UpdateKind.Left, (int)MergeDecision.Ignore)]
    public void Decide_UnknownMember_OnlyAliveIntroducesIt(UpdateKind kind, int expected) =>
        Assert.Equal((MergeDecision)expected, MergeRules.Decide(null, kind, 5));

    [Theory]
    // Alive needs a strictly higher incarnation, whatever the state.
    [InlineData(MemberState.Alive, 5, UpdateKind.Alive, 5, (int)MergeDecision.Ignore)]
    [InlineData(MemberState.Alive, 5, UpdateKind.Alive, 4, (int)MergeDecision.Ignore)]
    [InlineData(MemberState.Alive, 5, UpdateKind.Alive, 6, (int)MergeDecision.Apply)]
    [InlineData(MemberState.Suspect, 5, UpdateKind.Alive, 5, (int)MergeDecision.Ignore)]
    [InlineData(MemberState.Suspect, 5, UpdateKind.Alive, 6, (int)MergeDecision.Apply)]
    [InlineData(MemberState.Dead, 5, UpdateKind.Alive, 5, (int)MergeDecision.Ignore)]
    [InlineData(MemberState.Dead, 5, UpdateKind.Alive, 6, (int)MergeDecision.Apply)]
    [InlineData(MemberState.Left, 5, UpdateKind.Alive, 6, (int)MergeDecision.Apply)]
    // Suspect: same or higher incarnation; confirms a running suspicion; never revives the dead.
    [InlineData(MemberState.Alive, 5, UpdateKind.Suspect, 4, (int)MergeDecision.Ignore)]
    [InlineData(MemberState.Alive, 5, UpdateKind.Suspect, 5, (int)MergeDecision.Apply)]
    [InlineData(MemberState.Alive, 5, UpdateKind.Suspect, 6, (int)MergeDecision.Apply)]
    [InlineData(MemberState.Suspect, 5, UpdateKind.Suspect, 5, (int)MergeDecision.Confirm)]
    [InlineData(MemberState.Suspect, 5, UpdateKind.Suspect, 4, (int)MergeDecision.Ignore)]
    [InlineData(MemberState.Dead, 5, UpdateKind.Suspect, 5, (int)MergeDecision.Ignore)]
    [InlineData(MemberState.Left, 5, UpdateKind.Suspect, 9, (int)MergeDecision.Ignore)]
    // Dead: same or higher incarnation, from alive or suspect.
    [InlineData(MemberState.Alive, 5, UpdateKind.Dead, 5, (int)MergeDecision.Apply)]
    [InlineData(MemberState.Suspect, 5, UpdateKind.Dead, 5, (int)MergeDecision.Apply)]
    [InlineData(MemberState.Alive, 5, UpdateKind.Dead, 4, (int)MergeDecision.Ignore)]
    [InlineData(MemberState.Dead, 5, UpdateKind.Dead, 6, (int)MergeDecision.Ignore)]
    [InlineData(MemberState.Left, 5, UpdateKind.Dead, 6, (int)MergeDecision.Ignore)]
    // Left: says more than dead; never repeated.
    [InlineData(MemberState.Alive, 5, UpdateKind.Left, 5, (int)MergeDecision.Apply)]
    [InlineData(MemberState.Dead, 5, UpdateKind.Left, 5, (int)MergeDecision.Apply)]
    [InlineData(MemberState.Alive, 5, UpdateKind.Left, 4, (int)MergeDecision.Ignore)]
    [InlineData(MemberState.Left, 5, UpdateKind.Left, 6, (int)MergeDecision.Ignore)]
    public void Decide_KnownMember_AppliesOnlyWhenMovingForward(MemberState state, long held, UpdateKind kind, long incoming, int expected) =>
        Assert.Equal((MergeDecision)expected, MergeRules.Decide(At(state, held), kind, incoming));

    [Fact]
    public void DecideRepo_NewerVersion_Applies()
    {
        var member = At(MemberState.Alive, 1) with { Repos = [new RepoAnnouncement("r", "n", "/r.git", "aa", 3)] };

        Assert.Equal(MergeDecision.Apply, MergeRules.DecideRepo(member, new RepoAnnouncement("r", "n", "/r.git", "bb", 4)));
        Assert.Equal(MergeDecision.Ignore, MergeRules.DecideRepo(member, new RepoAnnouncement("r", "n", "/r.git", "bb", 3)));
        Assert.Equal(MergeDecision.Ignore, MergeRules.DecideRepo(member, new RepoAnnouncement("r", "n", "/r.git", "bb", 2)));
        Assert.Equal(MergeDecision.Apply, MergeRules.DecideRepo(member, new RepoAnnouncement("s", "n", "/s.git", "bb", 1)));
    }

    [Fact]
    public void DecideRepo_DeadOrUnknownMember_Ignored()
    {
        var repo = new RepoAnnouncement("r", "n", "/r.git", "aa", 3);

        Assert.Equal(MergeDecision.Ignore, MergeRules.DecideRepo(null, repo));
        Assert.Equal(MergeDecision.Ignore, MergeRules.DecideRepo(At(MemberState.Dead, 1), repo));
    }
}
