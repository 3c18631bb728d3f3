using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.SignedRefs;
using PeerMesh.TestSupport.Keys;
using Xunit;

namespace PeerMesh.Mesh.Tests.SignedRefs;

public sealed class StatementBuilderTests : IDisposable
{
    private static readonly DateTimeOffset s_start = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);

    private readonly TestIdentities _authors = new();
    private readonly FakeTimeProvider _time = new(s_start);

    [Fact]
    public void Build_Branches_SortedByNameBytesSignedAndVerifiable()
    {
        var built = StatementBuilder.Build(_authors["alice"], "test", "repo-1",
            [new BranchTip("main", Commits.Id(1)), new BranchTip("Zeta", Commits.Id(2)), new BranchTip("feature/é", Commits.Id(3)), new BranchTip("feature/z", Commits.Id(4))],
            0, _time);

        Assert.Equal(["Zeta", "feature/z", "feature/é", "main"], built.Statement.Branches.Select(b => b.Name));
        Assert.Empty(built.Omitted);
        Assert.Equal(_authors["alice"].Id, built.Statement.AuthorId);
        Assert.Null(StatementVerifier.Verify(built.Statement, _authors["alice"].Id, "repo-1", _time.GetUtcNow()));
    }

    [Fact]
    public void Build_AuthorName_CleanedAndCutAsOnTheWire()
    {
        var built = StatementBuilder.Build(_authors["alice"], "al\nice " + new string('x', 100), "repo-1", [], 0, _time);

        Assert.Equal("al?ice " + new string('x', 57), built.Statement.AuthorName);
        Assert.True(StatementCodec.TryDecode(built.Statement.Encoded.AsSpan(), out var decoded, out var reason), reason);
        Assert.Equal(built.Statement.AuthorName, decoded!.AuthorName);
    }

    [Fact]
    public void Build_NoPrevious_SequenceIsTheClockInMs()
    {
        var built = StatementBuilder.Build(_authors["alice"], "test", "repo-1", [], 0, _time);

        Assert.Equal(s_start.ToUnixTimeMilliseconds(), built.Statement.Sequence);
        Assert.Equal(s_start, built.Statement.SignedAt);
    }

    [Fact]
    public void Build_TwiceInOneMillisecond_SequenceStillGrows()
    {
        var first = StatementBuilder.Build(_authors["alice"], "test", "repo-1", [], 0, _time).Statement;
        var second = StatementBuilder.Build(_authors["alice"], "test", "repo-1", [], first.Sequence, _time).Statement;

        Assert.Equal(first.Sequence + 1, second.Sequence);
        Assert.Equal(first.SignedAtMs, second.SignedAtMs);
    }

    [Fact]
    public void Build_ClockWentBack_SequenceAbovePreviousAndTimeIsTheClock()
    {
        var previous = StatementBuilder.Build(_authors["alice"], "test", "repo-1", [], 0, _time).Statement;
        var behind = new FakeTimeProvider(s_start - TimeSpan.FromHours(3));

        var next = StatementBuilder.Build(_authors["alice"], "test", "repo-1", [], previous.Sequence, behind).Statement;

        Assert.Equal(previous.Sequence + 1, next.Sequence);
        Assert.Equal(s_start - TimeSpan.FromHours(3), next.SignedAt);
    }

    [Fact]
    public void Build_PreviousBeyondTheBound_Ignored()
    {
        var planted = StatementSequence.Bound(s_start) + 1;

        var next = StatementBuilder.Build(_authors["alice"], "test", "repo-1", [], planted, _time).Statement;

        Assert.Equal(s_start.ToUnixTimeMilliseconds(), next.Sequence);
    }

    [Fact]
    public void Build_OverTheBranchCap_KeepsTheFirstByPriorityAndSaysWhichWereLeftOut()
    {
        // Priority: the checked-out branch first, then the rest; "zz-main" would be cut if the order were by name.
        var tips = new List<BranchTip> { new("zz-main", Commits.Id(1)) };
        tips.AddRange(Enumerable.Range(0, SignedRefsLimits.MaxBranches + 3).Select(i => new BranchTip($"b{i:d4}", Commits.Id(i + 2))));

        var built = StatementBuilder.Build(_authors["alice"], "test", "repo-1", tips, 0, _time);

        Assert.Equal(SignedRefsLimits.MaxBranches, built.Statement.Branches.Length);
        Assert.Equal("zz-main", built.Statement.Branches[^1].Name);
        Assert.Equal(["b0511", "b0512", "b0513", "b0514"], built.Omitted.Select(o => o.Name));
        Assert.All(built.Omitted, o => Assert.Equal(OmittedBranch.BranchCap, o.Reason));
    }

    [Fact]
    public void Build_OverTheByteCap_LongNamesLeftOutStatementWithinCap()
    {
        var tips = Enumerable.Range(0, 300).Select(i => new BranchTip($"{i:d4}-" + new string('n', 240), Commits.Id(i + 1))).ToList();

        var built = StatementBuilder.Build(_authors["alice"], "test", "repo-1", tips, 0, _time);

        Assert.True(built.Statement.Encoded.Length <= SignedRefsLimits.MaxStatementBytes);
        Assert.True(built.Statement.Encoded.Length > SignedRefsLimits.MaxStatementBytes - 300, "filled up to the cap");
        Assert.NotEmpty(built.Omitted);
        Assert.All(built.Omitted, o => Assert.Equal(OmittedBranch.SizeCap, o.Reason));
        Assert.Equal(300, built.Statement.Branches.Length + built.Omitted.Length);
        Assert.True(StatementCodec.TryDecode(built.Statement.Encoded.AsSpan(), out _, out var reason), reason);
    }

    [Fact]
    public void Build_InvalidOrConflictingNames_LeftOutWithTheirReason()
    {
        var built = StatementBuilder.Build(_authors["alice"], "test", "repo-1",
            [
                new BranchTip("main", Commits.Id(1)),
                new BranchTip("main/sub", Commits.Id(2)),
                new BranchTip("a..b", Commits.Id(3)),
                new BranchTip("HEAD", Commits.Id(4)),
                new BranchTip("main", Commits.Id(5)),
                new BranchTip("x.lock", Commits.Id(6)),
            ],
            0, _time);

        Assert.Equal([new BranchTip("main", Commits.Id(1))], built.Statement.Branches);
        Assert.Equal(
            [
                new OmittedBranch("main/sub", OmittedBranch.Conflict),
                new OmittedBranch("a..b", OmittedBranch.InvalidName),
                new OmittedBranch("HEAD", OmittedBranch.InvalidName),
                new OmittedBranch("main", OmittedBranch.Conflict),
                new OmittedBranch("x.lock", OmittedBranch.InvalidName),
            ],
            built.Omitted);
    }

    [Fact]
    public void Build_NameTwiceThenAFolderOfIt_FolderLeftOutStatementDecodes()
    {
        // Found by the round-trip property: the second "main" took the first one's place in the conflict check.
        var built = StatementBuilder.Build(_authors["alice"], "test", "repo-1",
            [new BranchTip("main", Commits.Id(1)), new BranchTip("main", Commits.Id(2)), new BranchTip("main/sub", Commits.Id(3))], 0, _time);

        Assert.Equal([new BranchTip("main", Commits.Id(1))], built.Statement.Branches);
        Assert.Equal([new OmittedBranch("main", OmittedBranch.Conflict), new OmittedBranch("main/sub", OmittedBranch.Conflict)], built.Omitted);
        Assert.True(StatementCodec.TryDecode(built.Statement.Encoded.AsSpan(), out _, out var reason), reason);
    }

    [Fact]
    public void Build_UpperCaseCommitId_StoredLowerCase()
    {
        var built = StatementBuilder.Build(_authors["alice"], "test", "repo-1", [new BranchTip("main", Commits.Id(1).ToUpperInvariant())], 0, _time);

        Assert.Equal(Commits.Id(1), built.Statement.Branches[0].CommitId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("0000000000000000000000000000000000000000")]
    [InlineData("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")]
    public void Build_NotACommitId_Throws(string commitId)
    {
        Assert.Throws<ArgumentException>(() => StatementBuilder.Build(_authors["alice"], "test", "repo-1", [new BranchTip("main", commitId)], 0, _time));
    }

    [Fact]
    public void Build_NotARepoId_Throws()
    {
        Assert.Throws<ArgumentException>(() => StatementBuilder.Build(_authors["alice"], "test", "../x", [], 0, _time));
    }

    public void Dispose() => _authors.Dispose();
}
