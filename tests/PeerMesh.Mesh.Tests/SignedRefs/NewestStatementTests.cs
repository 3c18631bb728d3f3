using CsCheck;
using PeerMesh.Mesh.SignedRefs;
using Xunit;

namespace PeerMesh.Mesh.Tests.SignedRefs;

public sealed class NewestStatementTests
{
    private const string Alice = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string Bob = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private const string Carol = "cccccccccccccccccccccccccccccccc";
    private const string Dave = "dddddddddddddddddddddddddddddddd";

    private static StatementSummary Held(string holder, long sequence, string digest, string author = Alice, string repo = "repo-1") =>
        new(author, repo, sequence, digest.PadRight(40, '0'), holder);

    [Fact]
    public void Choose_SeveralHolders_HighestSequenceAndEveryHolderOfItAuthorFirst()
    {
        var choice = NewestStatement.Choose(Alice, "repo-1",
        [
            Held(Dave, 7, "d7"),
            Held(Carol, 9, "a9"),
            Held(Bob, 9, "a9"),
            Held(Alice, 9, "a9"),
            Held(Bob, 8, "a8"),
        ]);

        Assert.Equal(9, choice.Newest!.Sequence);
        Assert.Equal([Alice, Bob, Carol], choice.Holders.Select(h => h.HolderId));
        Assert.False(choice.Conflict);
    }

    [Fact]
    public void Choose_TwoDigestsUnderTheTopSequence_ConflictAndTheLowerDigest()
    {
        var choice = NewestStatement.Choose(Alice, "repo-1", [Held(Bob, 9, "f1"), Held(Carol, 9, "e2"), Held(Dave, 8, "00")]);

        Assert.True(choice.Conflict);
        Assert.Equal("e2".PadRight(40, '0'), choice.Newest!.Digest);
        Assert.Equal([Carol], choice.Holders.Select(h => h.HolderId));
    }

    [Fact]
    public void Choose_ConflictBelowTheTop_NoConflict()
    {
        var choice = NewestStatement.Choose(Alice, "repo-1", [Held(Bob, 8, "f1"), Held(Carol, 8, "e2"), Held(Dave, 9, "00")]);

        Assert.False(choice.Conflict);
        Assert.Equal(Dave, choice.Newest!.HolderId);
    }

    [Fact]
    public void Choose_OtherAuthorsAndRepositories_Ignored()
    {
        var choice = NewestStatement.Choose(Alice, "repo-1", [Held(Bob, 99, "b0", author: Bob), Held(Bob, 98, "a0", repo: "repo-2"), Held(Carol, 3, "a3")]);

        Assert.Equal(3, choice.Newest!.Sequence);
        Assert.Null(NewestStatement.Choose(Carol, "repo-1", []).Newest);
        Assert.Empty(NewestStatement.Choose(Carol, "repo-1", []).Holders);
        Assert.Null(NewestStatement.Choose(Dave, "repo-1", [Held(Bob, 9, "a9")]).Newest);
    }

    [Fact]
    public void Choose_AnyOrderOfTheSameCandidates_SameChoice()
    {
        var holders = new[] { Alice, Bob, Carol, Dave };
        var candidate = Gen.Select(Gen.Int[0, 3], Gen.Long[1, 4], Gen.Int[0, 2])
            .Select((h, s, d) => Held(holders[h], s, "d" + d));
        Gen.Select(candidate.Array[1, 8], Gen.Int).Sample((list, seed) =>
        {
            var shuffled = list.OrderBy(_ => new Random(seed).Next()).ToArray();
            var a = NewestStatement.Choose(Alice, "repo-1", list);
            var b = NewestStatement.Choose(Alice, "repo-1", shuffled.Reverse());

            Assert.Equal(a.Newest!.Sequence, b.Newest!.Sequence);
            Assert.Equal(a.Newest.Digest, b.Newest.Digest);
            Assert.Equal(a.Conflict, b.Conflict);
            Assert.Equal(a.Holders.Select(h => h.HolderId), b.Holders.Select(h => h.HolderId));
        }, iter: 500);
    }

    [Fact]
    public void IsNewer_HigherSequenceOrLowerDigestUnderTheSame_True()
    {
        Assert.True(NewestStatement.IsNewer(Held(Bob, 2, "ff"), null));
        Assert.True(NewestStatement.IsNewer(Held(Bob, 3, "ff"), Held(Bob, 2, "00")));
        Assert.True(NewestStatement.IsNewer(Held(Bob, 2, "0a"), Held(Bob, 2, "0b")));
        Assert.False(NewestStatement.IsNewer(Held(Bob, 2, "0b"), Held(Bob, 2, "0b")));
        Assert.False(NewestStatement.IsNewer(Held(Bob, 1, "00"), Held(Bob, 2, "ff")));
    }
}
