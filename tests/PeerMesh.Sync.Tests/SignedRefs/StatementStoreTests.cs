using LibGit2Sharp;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.SignedRefs;
using PeerMesh.Sync.SignedRefs;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Keys;
using Xunit;

namespace PeerMesh.Sync.Tests.SignedRefs;

/// <summary>Statements stored in real repositories in temp folders.</summary>
public sealed class StatementStoreTests : IDisposable
{
    private const string RepoId = "repo-1";

    private readonly TestIdentities _identities = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
    private readonly TempRepository _repo = TempRepository.Create(commits: 2);

    private string Alice => _identities["alice"].Id;

    [Fact]
    public void Store_OwnStatement_OneRefToABlobOfTheExactBytesNothingElseTouched()
    {
        _repo.Git("checkout", "-q", "-b", "topic");
        File.WriteAllText(Path.Combine(_repo.Path, "unstaged.txt"), "work in progress\n");
        _repo.Git("add", "unstaged.txt");
        File.WriteAllText(Path.Combine(_repo.Path, "unstaged.txt"), "more work\n");
        var refsBefore = _repo.RefsSnapshot();
        var statusBefore = _repo.Git("status", "--porcelain=v2", "--branch");
        var indexBefore = File.ReadAllBytes(Path.Combine(_repo.GitDirectory, "index"));
        var headBefore = File.ReadAllText(Path.Combine(_repo.GitDirectory, "HEAD"));
        var statement = OwnStatement(_repo);

        StoreOutcome outcome;
        using (var repo = new Repository(_repo.Path))
        {
            outcome = StatementStore.Store(repo, RepoId, statement, "peermesh: signed refs");
        }

        Assert.Equal(StoreOutcome.Stored, outcome);
        var statementRef = $"refs/peermesh/{Alice}/statement";
        Assert.Equal(refsBefore + $"{statementRef} {statement.Digest}\n", _repo.RefsSnapshot());
        Assert.Equal("blob", _repo.Git("cat-file", "-t", statementRef).Trim());
        Assert.Equal(statement.Digest, _repo.RevParse(statementRef));
        Assert.Equal(statusBefore, _repo.Git("status", "--porcelain=v2", "--branch"));
        Assert.Equal(indexBefore, File.ReadAllBytes(Path.Combine(_repo.GitDirectory, "index")));
        Assert.Equal(headBefore, File.ReadAllText(Path.Combine(_repo.GitDirectory, "HEAD")));
        Assert.Equal("more work\n", File.ReadAllText(Path.Combine(_repo.Path, "unstaged.txt")));
    }

    [Fact]
    public void Store_ThenRead_TheSameStatementWhichVerifies()
    {
        var statement = OwnStatement(_repo);
        using var repo = new Repository(_repo.Path);
        StatementStore.Store(repo, RepoId, statement, "test");

        var read = StatementStore.Read(repo, Alice);

        Assert.Null(read.Problem);
        Assert.Equal(statement.Encoded, read.Statement!.Encoded);
        Assert.Null(StatementVerifier.Verify(read.Statement, Alice, RepoId, _time.GetUtcNow()));
        Assert.Equal([Alice], StatementStore.Authors(repo));
    }

    [Fact]
    public void Store_OlderAfterNewer_NotWrittenNewerStays()
    {
        var older = OwnStatement(_repo);
        _time.Advance(TimeSpan.FromSeconds(1));
        _repo.Commit("later");
        var newer = OwnStatement(_repo, previous: older.Sequence);
        using var repo = new Repository(_repo.Path);

        Assert.Equal(StoreOutcome.Stored, StatementStore.Store(repo, RepoId, newer, "test"));
        Assert.Equal(StoreOutcome.NotNewer, StatementStore.Store(repo, RepoId, older, "test"));
        Assert.Equal(StoreOutcome.Unchanged, StatementStore.Store(repo, RepoId, newer, "test"));

        Assert.Equal(newer.Digest, _repo.RevParse($"refs/peermesh/{Alice}/statement"));
    }

    [Fact]
    public void Store_ForgedOrOtherRepository_Throws()
    {
        var genuine = OwnStatement(_repo);
        var bytes = genuine.Encoded.ToArray();
        bytes[^1] ^= 1;
        Assert.True(StatementCodec.TryDecode(bytes, out var forged, out _));
        var otherRepo = StatementBuilder.Build(_identities["alice"], "test", "other", [], 0, _time).Statement;
        using var repo = new Repository(_repo.Path);

        Assert.Throws<ArgumentException>(() => StatementStore.Store(repo, RepoId, forged!, "test"));
        Assert.Throws<ArgumentException>(() => StatementStore.Store(repo, RepoId, otherRepo, "test"));
        Assert.Empty(StatementStore.Authors(repo));
    }

    [Fact]
    public void Store_BareRepository_Stored()
    {
        var bare = Path.Combine(_repo.Root, "bare.git");
        GitCli.Run(_repo.Root, "clone", "-q", "--bare", _repo.Path, bare);
        var statement = OwnStatement(_repo);
        using var repo = new Repository(bare);

        Assert.Equal(StoreOutcome.Stored, StatementStore.Store(repo, RepoId, statement, "test"));
        Assert.Equal(statement.Encoded, StatementStore.Read(repo, Alice).Statement!.Encoded);
    }

    [Fact]
    public void Read_NoStatement_Missing()
    {
        using var repo = new Repository(_repo.Path);

        Assert.Equal(StoredStatement.Missing, StatementStore.Read(repo, Alice).Problem);
    }

    [Fact]
    public void Read_RefToACommitOrSymbolic_NotABlob()
    {
        using var repo = new Repository(_repo.Path);
        _repo.Git("update-ref", $"refs/peermesh/{Alice}/statement", "HEAD");
        Assert.Equal(StoredStatement.NotABlob, StatementStore.Read(repo, Alice).Problem);

        _repo.Git("symbolic-ref", $"refs/peermesh/{Alice}/statement", "refs/heads/main");
        Assert.Equal(StoredStatement.NotABlob, StatementStore.Read(repo, Alice).Problem);
    }

    [Fact]
    public void Read_GarbageOrOversizeBlob_TheDecodeReason()
    {
        using var repo = new Repository(_repo.Path);
        PlantBlob(repo, Alice, "not a statement\n"u8.ToArray());
        Assert.Equal(StatementRejection.BadMagic, StatementStore.Read(repo, Alice).Problem);

        PlantBlob(repo, Alice, new byte[SignedRefsLimits.MaxStatementBytes + 1]);
        Assert.Equal(StatementRejection.TooLarge, StatementStore.Read(repo, Alice).Problem);

        var cut = OwnStatement(_repo).Encoded.AsSpan()[..^1].ToArray();
        PlantBlob(repo, Alice, cut);
        Assert.Equal(StatementRejection.Truncated, StatementStore.Read(repo, Alice).Problem);
    }

    [Fact]
    public void Store_OverAGarbageStatement_Replaced()
    {
        using var repo = new Repository(_repo.Path);
        PlantBlob(repo, Alice, "garbage"u8.ToArray());

        Assert.Equal(StoreOutcome.Stored, StatementStore.Store(repo, RepoId, OwnStatement(_repo), "test"));
        Assert.Null(StatementStore.Read(repo, Alice).Problem);
    }

    [Fact]
    public void Authors_OnlyStatementRefsOfNodeIds()
    {
        using var repo = new Repository(_repo.Path);
        StatementStore.Store(repo, RepoId, OwnStatement(_repo), "test");
        StatementStore.Store(repo, RepoId, StatementBuilder.Build(_identities["bob"], "test", RepoId, [], 0, _time).Statement, "test");
        _repo.Git("update-ref", "refs/peermesh/not-a-node-id/statement", "HEAD");
        _repo.Git("update-ref", $"refs/peermesh/{Alice.ToUpperInvariant()}/statement", "HEAD");
        _repo.Git("update-ref", $"refs/peermesh/{Alice}/heads/main", "HEAD");

        Assert.Equal(new[] { Alice, _identities["bob"].Id }.Order(StringComparer.Ordinal), StatementStore.Authors(repo));
    }

    [Fact]
    public void RestoreInto_AfterARestart_StoredStatementsAreTheFloorAndBrokenOnesReported()
    {
        var older = OwnStatement(_repo);
        _time.Advance(TimeSpan.FromSeconds(1));
        var newer = OwnStatement(_repo, previous: older.Sequence);
        var bob = StatementBuilder.Build(_identities["bob"], "test", RepoId, [], 0, _time).Statement;
        var carol = _identities["carol"].Id;
        using (var repo = new Repository(_repo.Path))
        {
            StatementStore.Store(repo, RepoId, newer, "test");
            StatementStore.Store(repo, RepoId, bob, "test");
            PlantBlob(repo, carol, "garbage"u8.ToArray());
        }

        // A new process: a new ledger, the same repository.
        var ledger = new StatementLedger(_time);
        using var reopened = new Repository(_repo.Path);
        var problems = StatementStore.RestoreInto(reopened, RepoId, ledger);

        Assert.Equal([(carol, StatementRejection.BadMagic)], problems);
        Assert.Equal(newer.Digest, ledger.Current(Alice, RepoId)!.Digest);
        Assert.Equal(bob.Digest, ledger.Current(_identities["bob"].Id, RepoId)!.Digest);
        Assert.Equal(StatementRejection.Older, ledger.Offer(older, Alice, RepoId).Reason);
    }

    [Fact]
    public void MissingCommits_AbsentOrNotACommit_Named()
    {
        var head = _repo.Head();
        var blob = _repo.Git("rev-parse", "HEAD:" + _repo.Git("ls-tree", "--name-only", "HEAD").Split('\n')[0]).Trim();
        var statement = StatementBuilder.Build(_identities["alice"], "test", RepoId,
            [new BranchTip("main", head), new BranchTip("gone", "1234567890123456789012345678901234567890"), new BranchTip("blob", blob)],
            0, _time).Statement;
        using var repo = new Repository(_repo.Path);

        Assert.Equal(["blob", "gone"], StatementStore.MissingCommits(repo, statement));
    }

    [Fact]
    public void StoredStatementRef_GitLogAllAndFsck_Unbothered()
    {
        using (var repo = new Repository(_repo.Path))
        {
            StatementStore.Store(repo, RepoId, OwnStatement(_repo), "test");
        }

        Assert.Equal(2, _repo.Git("log", "--all", "--format=%H").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(0, GitCli.TryRun(_repo.Path, "fsck", "--no-dangling", "--strict").ExitCode);
        Assert.DoesNotContain("peermesh", _repo.Git("branch", "-a"));
        _repo.Git("gc", "-q", "--prune=now");
        Assert.Equal("blob", _repo.Git("cat-file", "-t", $"refs/peermesh/{Alice}/statement").Trim());
    }

    private RefsStatement OwnStatement(TempRepository temp, long previous = 0)
    {
        using var repo = new Repository(temp.Path);
        return StatementBuilder.Build(_identities["alice"], "test", RepoId, OwnBranches.ByPriority(repo), previous, _time).Statement;
    }

    private static void PlantBlob(Repository repo, string authorId, byte[] bytes) =>
        repo.Refs.Add(StatementRefs.Statement(authorId), repo.ObjectDatabase.Write<Blob>(bytes), "plant", allowOverwrite: true);

    public void Dispose()
    {
        _repo.Dispose();
        _identities.Dispose();
    }
}
