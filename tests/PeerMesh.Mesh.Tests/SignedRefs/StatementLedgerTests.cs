using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.SignedRefs;
using PeerMesh.TestSupport.Keys;
using Xunit;

namespace PeerMesh.Mesh.Tests.SignedRefs;

public sealed class StatementLedgerTests : IDisposable
{
    private readonly TestIdentities _authors = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
    private readonly StatementLedger _ledger;

    public StatementLedgerTests() => _ledger = new StatementLedger(_time);

    private string Alice => _authors["alice"].Id;

    [Fact]
    public void Offer_FirstStatement_AcceptedEveryBranchAdded()
    {
        var first = Sign("alice", ("main", 1), ("topic", 2));

        var result = _ledger.Offer(first, Alice, "repo-1");

        Assert.Equal(AcceptOutcome.Accepted, result.Outcome);
        Assert.Null(result.Previous);
        Assert.Equal(first.Branches, result.Diff!.Added);
        Assert.Empty(result.Diff.Deleted);
        Assert.Same(first, _ledger.Current(Alice, "repo-1"));
        Assert.Equal(1, _ledger.Statistics.Accepted);
    }

    [Fact]
    public void Offer_NewerStatement_AcceptedWithMovedAddedAndDeletedBranches()
    {
        var first = Sign("alice", ("feature", 1), ("main", 2), ("old", 3));
        _ledger.Offer(first, Alice, "repo-1");
        _time.Advance(TimeSpan.FromSeconds(1));
        var second = Sign("alice", first.Sequence, ("feature", 1), ("main", 4), ("new", 5));

        var result = _ledger.Offer(second, Alice, "repo-1");

        Assert.Equal(AcceptOutcome.Accepted, result.Outcome);
        Assert.Same(first, result.Previous);
        Assert.Equal([new BranchTip("new", Commits.Id(5))], result.Diff!.Added);
        Assert.Equal([new BranchTip("main", Commits.Id(4))], result.Diff.Moved);
        Assert.Equal(["old"], result.Diff.Deleted);
        Assert.Same(second, _ledger.Current(Alice, "repo-1"));
    }

    [Fact]
    public void Offer_TheHeldStatementAgain_UnchangedNothingCounted()
    {
        var first = Sign("alice", ("main", 1));
        _ledger.Offer(first, Alice, "repo-1");

        var again = _ledger.Offer(Decode(first.Encoded.ToArray()), Alice, "repo-1");

        Assert.Equal(AcceptOutcome.Unchanged, again.Outcome);
        Assert.Null(again.Reason);
        Assert.Same(first, _ledger.Current(Alice, "repo-1"));
        Assert.Equal(1, _ledger.Statistics.Accepted);
        Assert.Equal(0, _ledger.Statistics.TotalRejections);
    }

    [Fact]
    public void Offer_OlderStatementReplayedAfterANewerOne_RefusedAsOlderNothingRollsBack()
    {
        // HOSTILE 53 (component): a relay serves Alice's statement from before her last commit.
        var older = Sign("alice", ("main", 1), ("topic", 2));
        _time.Advance(TimeSpan.FromMinutes(5));
        var newer = Sign("alice", older.Sequence, ("main", 3));
        Assert.Equal(AcceptOutcome.Accepted, _ledger.Offer(newer, Alice, "repo-1").Outcome);

        var replay = _ledger.Offer(older, Alice, "repo-1");

        Assert.Equal(AcceptOutcome.Rejected, replay.Outcome);
        Assert.Equal(StatementRejection.Older, replay.Reason);
        Assert.Null(replay.Diff);
        Assert.Same(newer, replay.Previous);
        Assert.Same(newer, _ledger.Current(Alice, "repo-1"));
        Assert.Equal(1, _ledger.Statistics.RejectionsFor(StatementRejection.Older));
    }

    [Fact]
    public void Offer_OtherContentUnderTheHeldSequence_RefusedAsEquivocation()
    {
        var held = Sign("alice", ("main", 1));
        _ledger.Offer(held, Alice, "repo-1");
        var twin = Decode(new RawStatement { Sequence = held.Sequence, SignedAt = held.SignedAtMs }.Branch("main", Commits.Id(2)).SignedBy(_authors["alice"]));

        var result = _ledger.Offer(twin, Alice, "repo-1");

        Assert.Equal(StatementRejection.Equivocation, result.Reason);
        Assert.Same(held, _ledger.Current(Alice, "repo-1"));
    }

    [Fact]
    public void Offer_RelayAlteredTheBranches_RefusedHeldStaysEachFormCounted()
    {
        // HOSTILE 52 (component): Bob relays Alice's work with main moved to a commit of his.
        var genuine = Sign("alice", ("main", 1));
        _ledger.Offer(genuine, Alice, "repo-1");
        _time.Advance(TimeSpan.FromSeconds(1));
        var keptSignature = Decode([.. new RawStatement { Key = _authors["alice"].PublicKey, Sequence = genuine.Sequence + 1, SignedAt = genuine.SignedAtMs }
            .Branch("main", Commits.Id(666)).SignedPart(), .. genuine.Signature]);
        var resigned = Decode(new RawStatement { Sequence = genuine.Sequence + 1, SignedAt = genuine.SignedAtMs }
            .Branch("main", Commits.Id(666)).SignedBy(_authors["bob"]));

        Assert.Equal(StatementRejection.BadSignature, _ledger.Offer(keptSignature, Alice, "repo-1").Reason);
        Assert.Equal(StatementRejection.WrongAuthor, _ledger.Offer(resigned, Alice, "repo-1").Reason);

        Assert.Same(genuine, _ledger.Current(Alice, "repo-1"));
        Assert.Equal(1, _ledger.Statistics.RejectionsFor(StatementRejection.BadSignature));
        Assert.Equal(1, _ledger.Statistics.RejectionsFor(StatementRejection.WrongAuthor));
        Assert.Null(_ledger.Current(_authors["bob"].Id, "repo-1"));
    }

    [Fact]
    public void Offer_StatementOfAnotherRepository_RefusedAsWrongRepo()
    {
        var result = _ledger.Offer(Sign("alice", "other", 0, ("main", 1)), Alice, "repo-1");

        Assert.Equal(StatementRejection.WrongRepo, result.Reason);
        Assert.Empty(_ledger.All("repo-1"));
        Assert.Empty(_ledger.All("other"));
    }

    [Fact]
    public void Offer_RepositoriesAndAuthorsAreSeparate()
    {
        _ledger.Offer(Sign("alice", ("main", 1)), Alice, "repo-1");
        _ledger.Offer(Sign("bob", ("main", 2)), _authors["bob"].Id, "repo-1");
        _ledger.Offer(Sign("alice", "repo-2", 0, ("main", 3)), Alice, "repo-2");

        Assert.Equal(2, _ledger.All("repo-1").Length);
        Assert.Equal(Commits.Id(3), _ledger.Current(Alice, "repo-2")!.CommitOf("main"));
        Assert.Equal(Commits.Id(1), _ledger.Current(Alice, "repo-1")!.CommitOf("main"));
    }

    [Fact]
    public void Offer_ImplausibleSequence_RefusedThenAcceptedOnceTheClockIsThere()
    {
        var ahead = new FakeTimeProvider(_time.GetUtcNow() + TimeSpan.FromDays(2));
        var future = StatementBuilder.Build(_authors["alice"], "test", "repo-1", [new BranchTip("main", Commits.Id(1))], 0, ahead).Statement;

        Assert.Equal(StatementRejection.ImplausibleSequence, _ledger.Offer(future, Alice, "repo-1").Reason);
        Assert.Null(_ledger.Current(Alice, "repo-1"));

        _time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(AcceptOutcome.Accepted, _ledger.Offer(future, Alice, "repo-1").Outcome);
    }

    [Fact]
    public void Offer_NewAuthorAtTheCap_RefusedUnlessPinnedKnownAuthorsStillMoveOn()
    {
        using var many = new TestIdentities();
        for (var i = 0; i < SignedRefsLimits.MaxAuthorsPerRepo; i++)
        {
            var author = many["n" + i];
            var statement = StatementBuilder.Build(author, "test", "repo-1", [], 0, _time).Statement;
            Assert.Equal(AcceptOutcome.Accepted, _ledger.Offer(statement, author.Id, "repo-1").Outcome);
        }

        var refused = _ledger.Offer(Sign("alice", ("main", 1)), Alice, "repo-1");
        var pinned = _ledger.Offer(Sign("bob", ("main", 1)), _authors["bob"].Id, "repo-1", pinned: true);
        _time.Advance(TimeSpan.FromSeconds(1));
        var known = StatementBuilder.Build(many["n0"], "test", "repo-1", [new BranchTip("main", Commits.Id(2))], 0, _time).Statement;

        Assert.Equal(StatementRejection.AuthorCap, refused.Reason);
        Assert.Equal(AcceptOutcome.Accepted, pinned.Outcome);
        Assert.Equal(AcceptOutcome.Accepted, _ledger.Offer(known, many["n0"].Id, "repo-1").Outcome);
        Assert.Equal(SignedRefsLimits.MaxAuthorsPerRepo + 1, _ledger.All("repo-1").Length);
    }

    [Fact]
    public void Forget_Author_AnyLaterStatementAcceptedAgain()
    {
        var older = Sign("alice", ("main", 1));
        _time.Advance(TimeSpan.FromSeconds(1));
        _ledger.Offer(Sign("alice", older.Sequence, ("main", 2)), Alice, "repo-1");

        Assert.True(_ledger.Forget(Alice, "repo-1"));

        Assert.Null(_ledger.Current(Alice, "repo-1"));
        Assert.Equal(AcceptOutcome.Accepted, _ledger.Offer(older, Alice, "repo-1").Outcome);
    }

    private RefsStatement Sign(string author, params (string Name, int Commit)[] branches) => Sign(author, "repo-1", 0, branches);

    private RefsStatement Sign(string author, long previous, params (string Name, int Commit)[] branches) => Sign(author, "repo-1", previous, branches);

    private RefsStatement Sign(string author, string repoId, long previous, params (string Name, int Commit)[] branches) =>
        StatementBuilder.Build(_authors[author], "test", repoId, branches.Select(b => new BranchTip(b.Name, Commits.Id(b.Commit))), previous, _time).Statement;

    private static RefsStatement Decode(byte[] bytes)
    {
        Assert.True(StatementCodec.TryDecode(bytes, out var statement, out var reason), reason);
        return statement!;
    }

    public void Dispose() => _authors.Dispose();
}
