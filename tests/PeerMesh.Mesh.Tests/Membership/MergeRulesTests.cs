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

    [Theory]
    // Held (mark 10, refs version 3): a later set version wins whatever its refs version; the same set version needs a higher refs version.
    [InlineData(10, 4, (int)MergeDecision.Apply)]
    [InlineData(10, 3, (int)MergeDecision.Ignore)]
    [InlineData(10, 2, (int)MergeDecision.Ignore)]
    [InlineData(11, 1, (int)MergeDecision.Apply)]
    [InlineData(9, 99, (int)MergeDecision.Ignore)]
    public void DecideRepo_HeldRepository_AppliesOnlyNewerStatements(long setVersion, long refsVersion, int expected)
    {
        var held = new RepoAnnouncement("r", "n", "/r", "aa", 3);
        var member = At(MemberState.Alive, 1) with { Repos = [held] };

        Assert.Equal((MergeDecision)expected, MergeRules.DecideRepo(member, held, heldMark: 10, floor: 12, setVersion, refsVersion));
    }

    [Theory]
    // Not held: only a statement signed at or above the floor (the highest set version heard) adds it; an older one may predate its removal.
    [InlineData(12, (int)MergeDecision.Apply)]
    [InlineData(13, (int)MergeDecision.Apply)]
    [InlineData(11, (int)MergeDecision.Ignore)]
    public void DecideRepo_RepositoryNotHeld_AppliesFromTheFloorUp(long setVersion, int expected) =>
        Assert.Equal((MergeDecision)expected, MergeRules.DecideRepo(At(MemberState.Alive, 1), held: null, heldMark: -1, floor: 12, setVersion, refsVersion: 1));

    [Fact]
    public void DecideRepo_DeadOrUnknownMember_Ignored()
    {
        Assert.Equal(MergeDecision.Ignore, MergeRules.DecideRepo(null, null, -1, -1, 5, 3));
        Assert.Equal(MergeDecision.Ignore, MergeRules.DecideRepo(At(MemberState.Dead, 1), null, -1, -1, 5, 3));
        Assert.Equal(MergeDecision.Ignore, MergeRules.DecideRepoRemoval(At(MemberState.Left, 1), null, -1, -1, 5));
    }

    [Theory]
    // Held with mark 10: a removal under a later set version removes it; one under 10 or before is older than the statement held (a re-add).
    [InlineData(true, 11, (int)MergeDecision.Apply)]
    [InlineData(true, 10, (int)MergeDecision.Ignore)]
    [InlineData(true, 9, (int)MergeDecision.Ignore)]
    // Not held (floor 12): only raises the floor, when above it.
    [InlineData(false, 13, (int)MergeDecision.Apply)]
    [InlineData(false, 12, (int)MergeDecision.Ignore)]
    public void DecideRepoRemoval_AppliesOnlyAboveWhatIsHeld(bool isHeld, long setVersion, int expected)
    {
        var held = new RepoAnnouncement("r", "n", "/r", "aa", 3);
        var member = At(MemberState.Alive, 1) with { Repos = isHeld ? [held] : [] };

        Assert.Equal((MergeDecision)expected, MergeRules.DecideRepoRemoval(member, isHeld ? held : null, isHeld ? 10 : -1, floor: 12, setVersion));
    }
}
