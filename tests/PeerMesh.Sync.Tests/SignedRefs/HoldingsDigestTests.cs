using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.SignedRefs;
using PeerMesh.Sync.SignedRefs;
using PeerMesh.TestSupport.Keys;
using Xunit;

namespace PeerMesh.Sync.Tests.SignedRefs;

/// <summary>
/// The digest a node gossips of what it holds, and alice's check of it: bob, who took alice's news and signed again
/// with the same branches, holds nothing alice lacks, nor does he when he holds another statement of carol's naming the
/// same work; any other difference (bob's branches, anyone's branches, an author one side lacks, nothing of bob held)
/// means a fetch.
/// </summary>
public sealed class HoldingsDigestTests : IDisposable
{
    private const string RepoId = "repo-1";
    private const string One = "1111111111111111111111111111111111111111";
    private const string Two = "2222222222222222222222222222222222222222";

    private readonly TestIdentities _ids = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));

    public void Dispose() => _ids.Dispose();

    [Fact]
    public void Matches_RelaySignedAgainAfterTakingOurNews_NothingToFetch()
    {
        var alice = Sign("alice", One);
        var carol = Sign("carol", One);
        var bobBefore = Sign("bob", Two);
        var bobAfter = Sign("bob", Two, bobBefore.Sequence); // signed again: his holdings changed, not his branches
        var announced = HoldingsDigest.Of(bobAfter.AuthorId, bobAfter.Branches, [carol, alice, bobAfter]);

        // alice holds bob's older statement (same branches), carol's, and her own (the stored copy of an older one too).
        var aliceOlder = Sign("alice", Two);
        Assert.True(HoldingsDigest.Matches(announced, bobBefore, alice, [aliceOlder, bobBefore, carol]));
        Assert.True(HoldingsDigest.Matches(announced, bobAfter, alice, [carol, bobAfter]));
    }

    [Fact]
    public void Matches_AThirdAuthorSignedAgainOverTheSameBranches_NothingToFetch()
    {
        // Many nodes starting together: each signs again after each statement it takes, so bob and alice hold
        // statements of carol with other sequences, naming the same work.
        var alice = Sign("alice", One);
        var bob = Sign("bob", Two);
        var carolOlder = Sign("carol", One);
        var carolNewer = Sign("carol", One, carolOlder.Sequence);
        var announced = HoldingsDigest.Of(bob.AuthorId, bob.Branches, [alice, carolNewer]);

        Assert.True(HoldingsDigest.Matches(announced, bob, alice, [bob, carolOlder]));
    }

    [Fact]
    public void Matches_AnyDifference_Fetched()
    {
        var alice = Sign("alice", One);
        var carol = Sign("carol", One);
        var bob = Sign("bob", Two);
        var announced = HoldingsDigest.Of(bob.AuthorId, bob.Branches, [alice, carol]);

        Assert.False(HoldingsDigest.Matches(announced, Sign("bob", One, bob.Sequence), alice, [carol])); // bob's branches moved
        Assert.False(HoldingsDigest.Matches(announced, bob, alice, [Sign("carol", Two, carol.Sequence)])); // carol's branches moved
        Assert.False(HoldingsDigest.Matches(announced, bob, alice, [])); // bob holds carol, we do not
        Assert.False(HoldingsDigest.Matches(announced, bob, alice, [carol, Sign("dave", One)])); // we hold dave, bob does not
        Assert.False(HoldingsDigest.Matches(announced, bob, Sign("alice", Two, alice.Sequence), [carol])); // bob lags behind us
        Assert.False(HoldingsDigest.Matches(announced, null, alice, [carol])); // nothing of bob's held here
        Assert.False(HoldingsDigest.Matches(announced, bob, null, [carol])); // we have not signed yet
    }

    [Fact]
    public void Of_OrderOfBranchesAndStatements_SameDigest()
    {
        var alice = Sign("alice", One);
        var carol = Sign("carol", One);
        var dave = Sign("dave", Two);
        BranchTip[] branches = [new("main", One), new("feature", Two)];

        Assert.Equal(
            HoldingsDigest.Of(alice.AuthorId, branches, [alice, carol, dave]),
            HoldingsDigest.Of(alice.AuthorId, branches.Reverse(), [dave, carol]));
        Assert.NotEqual(
            HoldingsDigest.Of(alice.AuthorId, branches, [carol]),
            HoldingsDigest.Of(alice.AuthorId, [new("main", Two), new("feature", One)], [carol]));
    }

    private RefsStatement Sign(string who, string commit, long previous = 0)
    {
        _time.Advance(TimeSpan.FromMilliseconds(1));
        return StatementBuilder.Build(_ids[who], who, RepoId, [new BranchTip("main", commit)], previous, _time).Statement;
    }
}
