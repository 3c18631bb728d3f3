using LibGit2Sharp;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.SignedRefs;
using PeerMesh.Sync.Fetching;
using PeerMesh.Sync.Remotes;
using PeerMesh.Sync.SignedRefs;
using PeerMesh.Sync.Tests.Support;
using PeerMesh.Sync.Trust;
using PeerMesh.TestSupport.Keys;
using Xunit;

namespace PeerMesh.Sync.Tests.SignedRefs;

/// <summary>
/// Signed refs taken through a relay: bob (a real git daemon) holds alice's statement and relay copies, carol fetches
/// bob with <see cref="PeerFetcher"/> and <see cref="StatementIntake"/>. Alice's tracking refs at carol are written
/// only from alice's verified, newer statement (HOSTILE 52, 53).
/// </summary>
public sealed class StatementIntakeTests : IAsyncLifetime
{
    private readonly TestIdentities _ids = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
    private readonly List<long> _ownHeard = [];
    private readonly List<string[]> _connectivityAsked = [];
    private PeerSetup? _setup;
    private StatementIntake? _intake;
    private PeerFetcher? _fetcher;
    private TrustList _trust = TrustList.Everyone;
    private int _holdingsChanged;
    private string _bob = "";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private PeerSetup Setup => _setup!;

    private string Alice => _ids["alice"].Id;

    private string Carol => _ids["carol"].Id;

    private StatementIntake Intake => _intake!;

    public async ValueTask InitializeAsync()
    {
        _setup = await PeerSetup.CreateAsync(Token);
        _bob = Setup.AddManagedRemote("bob");
        _intake = NewIntake();
        _fetcher = new PeerFetcher(Setup.Local.GitDir, PeerSetup.FastOptions(), TimeProvider.System, NullLogger<PeerFetcher>.Instance, _intake);
    }

    public async ValueTask DisposeAsync()
    {
        await Setup.DisposeAsync();
        _ids.Dispose();
    }

    [Fact]
    public async Task Fetch_RelayHoldsAlicesStatement_AlicesTrackingRefsFromItUnderHerSignedNameNothingElseChanges()
    {
        var main = AliceCommit(Setup.Peer.Head(), "alice main");
        var feature = AliceCommit(Setup.Peer.Head(), "alice feature");
        var statement = Sign("alice", ("main", main), ("feature", feature));
        Serve(statement, ("main", main), ("feature", feature));
        var before = Setup.Local.Fingerprint(includeConfig: false);

        var outcome = await FetchAsync();

        Assert.Equal(main, Setup.Local.RefTarget("refs/remotes/alice/main"));
        Assert.Equal(feature, Setup.Local.RefTarget("refs/remotes/alice/feature"));
        Assert.Equal(main, Setup.Local.RefTarget($"refs/peermesh/{Alice}/heads/main"));
        Assert.Equal(statement.Digest, Setup.Local.RefTarget($"refs/peermesh/{Alice}/statement"));
        Assert.Equal(Alice, Git.Run(Setup.Local.WorkDir, "config", "--get", "remote.alice.peermeshNode"));
        Assert.Equal(1, Git.TryRun(Setup.Local.WorkDir, "config", "--get", "remote.alice.url").ExitCode);
        Assert.Equal(Setup.Peer.Head(), Setup.Local.RefTarget($"refs/remotes/{_bob}/main")); // bob signs nothing: as before
        Assert.Equal(before, Setup.Local.Fingerprint(includeConfig: false));
        Assert.All(Setup.Local.AllRefs().Split('\n'), r => Assert.Matches("^refs/(remotes|peermesh|heads/main )", r));
        Assert.Contains("refs/remotes/alice/main", outcome.UpdatedRefs);
        var held = Assert.Single(Intake.Authors);
        Assert.Equal(("alice", PeerSetup.NodeId, "alice"), (held.Name, held.ViaId, held.Remote));
        Assert.Equal(1, _holdingsChanged);
        Assert.Equal(1, Intake.Statistics.Accepted);
    }

    [Fact]
    public async Task Fetch_OlderStatementReplayedAfterANewerOne_RefusedCountedOnceNothingRollsBack()
    {
        var (first, second, older, newer) = await TakeTwoStatementsAsync();

        Serve(older, ("main", first));
        await FetchAsync();
        await FetchAsync();

        Assert.Equal(second, Setup.Local.RefTarget("refs/remotes/alice/main"));
        Assert.Equal(second, Setup.Local.RefTarget($"refs/peermesh/{Alice}/heads/main"));
        Assert.Equal(newer.Digest, Setup.Local.RefTarget($"refs/peermesh/{Alice}/statement"));
        Assert.Equal(1, Intake.Statistics.RejectionsFor(StatementRejection.Older));
        var conflict = Assert.Single(Intake.Conflicts);
        Assert.Equal((PeerSetup.NodeId, Alice, older.Digest, StatementRejection.Older), (conflict.HolderId, conflict.AuthorId, conflict.Digest, conflict.Reason));

        // Once bob serves the newest again, he is no longer in conflict.
        Serve(newer, ("main", second));
        await FetchAsync();
        Assert.Empty(Intake.Conflicts);
    }

    [Fact]
    public async Task Restore_AfterARestart_OlderStatementStillRefused()
    {
        var (first, second, older, newer) = await TakeTwoStatementsAsync();

        var restarted = NewIntake();
        using (var repo = new Repository(Setup.Local.GitDir))
        {
            restarted.Restore(repo);
        }

        Serve(older, ("main", first));
        await new PeerFetcher(Setup.Local.GitDir, PeerSetup.FastOptions(), TimeProvider.System, NullLogger<PeerFetcher>.Instance, restarted).FetchAsync(_bob, Token);

        Assert.Equal(second, Setup.Local.RefTarget("refs/remotes/alice/main"));
        Assert.Equal(1, restarted.Statistics.RejectionsFor(StatementRejection.Older));
    }

    [Fact]
    public async Task Forget_AuthorHeld_StatementCopiesAndLedgerEntryGoneNotBackAfterARestart()
    {
        var (first, second, older, newer) = await TakeTwoStatementsAsync();

        int removed;
        using (var repo = new Repository(Setup.Local.GitDir))
        {
            removed = Intake.Forget(repo, Alice);
        }

        Assert.Equal(2, removed); // the statement and the relay copy of main
        Assert.DoesNotContain($"refs/peermesh/{Alice}/", Setup.Local.AllRefs(), StringComparison.Ordinal);
        Assert.Empty(Intake.Authors);
        var restarted = NewIntake();
        using (var repo = new Repository(Setup.Local.GitDir))
        {
            restarted.Restore(repo);
        }

        Assert.Empty(restarted.Authors);
        // Forgotten means forgotten: her next statement from anyone is a first one, even one older than what was held.
        Serve(older, ("main", first));
        await FetchAsync();
        Assert.Equal(older.Digest, Setup.Local.RefTarget($"refs/peermesh/{Alice}/statement"));
        Assert.Equal(0, Intake.Statistics.RejectionsFor(StatementRejection.Older));
    }

    public static TheoryData<string> Forgeries => ["copy-moved", "statement-altered", "resigned-by-relay"];

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task Fetch_RelayMovedAlicesBranch_NeverReachesHerTrackingRefs(string forgery)
    {
        var main = AliceCommit(Setup.Peer.Head(), "alice main");
        var genuine = Sign("alice", ("main", main));
        Serve(genuine, ("main", main));
        await FetchAsync();
        var forged = AliceCommit(main, "bob's forgery");

        string? reason = null;
        switch (forgery)
        {
            case "copy-moved":
                Serve(genuine, ("main", forged));
                break;
            case "statement-altered":
                var bytes = genuine.Encoded.ToArray();
                Convert.FromHexString(forged).CopyTo(bytes, IndexOf(bytes, Convert.FromHexString(main)));
                ServeBytes(Alice, bytes, ("main", forged));
                reason = StatementRejection.BadSignature;
                break;
            default:
                var bobs = StatementBuilder.Build(_ids["bob"], "alice", Setup.RepoId, [new BranchTip("main", forged)], genuine.Sequence, _time).Statement;
                ServeBytes(Alice, [.. bobs.Encoded], ("main", forged));
                reason = StatementRejection.WrongAuthor;
                break;
        }

        await FetchAsync();
        await FetchAsync();

        Assert.Equal(main, Setup.Local.RefTarget("refs/remotes/alice/main"));
        Assert.Equal(main, Setup.Local.RefTarget($"refs/peermesh/{Alice}/heads/main"));
        Assert.Equal(genuine.Digest, Setup.Local.RefTarget($"refs/peermesh/{Alice}/statement"));
        Assert.Equal("", Git.Run(Setup.Local.WorkDir, "for-each-ref", "--points-at", forged));
        Assert.Equal(1, Intake.Statistics.Accepted);
        if (reason is null)
        {
            // The statement is the one held: nothing to verify, and the moved copy is never read.
            Assert.Equal(0, Intake.Statistics.TotalRejections);
        }
        else
        {
            Assert.Equal(1, Intake.Statistics.RejectionsFor(reason)); // counted once, not at every fetch
            Assert.Equal(reason, Assert.Single(Intake.Conflicts).Reason);
        }
    }

    [Fact]
    public async Task Fetch_StatementNamesACommitTheRelayDoesNotServe_MissingCommitsNothingWritten()
    {
        var first = AliceCommit(Setup.Peer.Head(), "alice first");
        var second = AliceCommit(first, "alice second");
        Serve(Sign("alice", ("main", second)), ("main", first));

        await FetchAsync();

        Assert.Null(Setup.Local.RefTarget("refs/remotes/alice/main"));
        Assert.Null(Setup.Local.RefTarget($"refs/peermesh/{Alice}/statement"));
        Assert.Null(Setup.Local.RefTarget($"refs/peermesh/{Alice}/heads/main"));
        Assert.Equal(1, Intake.Statistics.RejectionsFor(StatementRejection.MissingCommits));
    }

    [Fact]
    public async Task Fetch_MissingCommitsThenTheRelayServesThem_TakenAtTheNextFetchCountedOnce()
    {
        var first = AliceCommit(Setup.Peer.Head(), "alice first");
        var second = AliceCommit(first, "alice second");
        var statement = Sign("alice", ("main", second));
        Serve(statement, ("main", first));
        await FetchAsync();
        await FetchAsync();
        Assert.Equal(1, Intake.Statistics.RejectionsFor(StatementRejection.MissingCommits));
        Assert.Equal(StatementRejection.MissingCommits, Assert.Single(Intake.Conflicts).Reason);

        // The same statement, its commit served now (alice is offline: this copy is the only one there is).
        Serve(statement, ("main", second));
        await FetchAsync();

        Assert.Equal(second, Setup.Local.RefTarget("refs/remotes/alice/main"));
        Assert.Equal(statement.Digest, Setup.Local.RefTarget($"refs/peermesh/{Alice}/statement"));
        Assert.Equal(1, Intake.Statistics.RejectionsFor(StatementRejection.MissingCommits));
        Assert.Empty(Intake.Conflicts);
    }

    [Fact]
    public async Task Fetch_NewerStatementWithoutABranch_TrackingRefAndCopyPruned()
    {
        var main = AliceCommit(Setup.Peer.Head(), "alice main");
        var feature = AliceCommit(Setup.Peer.Head(), "alice feature");
        Serve(Sign("alice", ("main", main), ("feature", feature)), ("main", main), ("feature", feature));
        await FetchAsync();

        Serve(Sign("alice", ("main", main)), ("main", main));
        var outcome = await FetchAsync();

        Assert.Equal(main, Setup.Local.RefTarget("refs/remotes/alice/main"));
        Assert.Null(Setup.Local.RefTarget("refs/remotes/alice/feature"));
        Assert.Null(Setup.Local.RefTarget($"refs/peermesh/{Alice}/heads/feature"));
        Assert.Equal(["refs/remotes/alice/feature"], outcome.UpdatedRefs);
    }

    [Fact]
    public async Task Fetch_NewerStatementOverTheSameBranches_AcceptedButHoldingsNotRaised()
    {
        var main = AliceCommit(Setup.Peer.Head(), "alice main");
        Serve(Sign("alice", ("main", main)), ("main", main));
        await FetchAsync();
        var resigned = Sign("alice", ("main", main));
        Serve(resigned, ("main", main));

        await FetchAsync();

        // A relay that signs again because its holdings changed is no news for the next hop: raising our version
        // for it would make two relays raise each other's forever.
        Assert.Equal(resigned.Digest, Setup.Local.RefTarget($"refs/peermesh/{Alice}/statement"));
        Assert.Equal(2, Intake.Statistics.Accepted);
        Assert.Equal(1, _holdingsChanged);
    }

    [Fact]
    public async Task Fetch_OlderStatementOverTheSameBranches_NotRefusedNothingCountedNothingWritten()
    {
        var main = AliceCommit(Setup.Peer.Head(), "alice main");
        var older = Sign("alice", ("main", main));
        var resigned = Sign("alice", ("main", main));
        Serve(resigned, ("main", main));
        await FetchAsync();

        // Bob is behind only in alice's sequence (she signed again over the same branches, as a relay does when its
        // holdings change, and bob did not fetch her for it): what he serves rolls nothing back and is no conflict.
        Serve(older, ("main", main));
        await FetchAsync();

        Assert.Equal(resigned.Digest, Setup.Local.RefTarget($"refs/peermesh/{Alice}/statement"));
        Assert.Equal(main, Setup.Local.RefTarget("refs/remotes/alice/main"));
        Assert.Equal(0, Intake.Statistics.RejectionsFor(StatementRejection.Older));
        Assert.Empty(Intake.Conflicts);
    }

    [Fact]
    public async Task Fetch_NewerStatementsNamingCommitsHeldBefore_OnlyTheNewCommitsCheckedForConnectivity()
    {
        var main = AliceCommit(Setup.Peer.Head(), "alice main");
        Serve(Sign("alice", ("main", main)), ("main", main));
        await FetchAsync();
        var feature = AliceCommit(main, "alice feature");
        Serve(Sign("alice", ("main", main), ("feature", feature)), ("main", main), ("feature", feature));
        await FetchAsync();
        var resigned = Sign("alice", ("main", main), ("feature", feature));
        Serve(resigned, ("main", main), ("feature", feature));

        await FetchAsync();

        // The first statement's commit, then only the one the second added; the third names nothing new: no git run.
        Assert.Equal([[main], [feature]], _connectivityAsked);
        Assert.Equal(resigned.Digest, Setup.Local.RefTarget($"refs/peermesh/{Alice}/statement"));
        Assert.Equal(feature, Setup.Local.RefTarget("refs/remotes/alice/feature"));
        Assert.Equal(3, Intake.Statistics.Accepted);
    }

    [Fact]
    public async Task Fetch_AuthorNotPinned_NothingFetchedNothingWrittenNothingCounted()
    {
        _trust = TrustList.Parse([PeerSetup.NodeId]);
        var main = AliceCommit(Setup.Peer.Head(), "alice main");
        var statement = Sign("alice", ("main", main));
        Serve(statement, ("main", main));

        await FetchAsync();

        Assert.Null(Setup.Local.RefTarget("refs/remotes/alice/main"));
        Assert.Null(Setup.Local.RefTarget(main + "^{commit}"));
        Assert.Null(Setup.Local.RefTarget(statement.Digest + "^{blob}"));
        Assert.Equal((0L, 0L), (Intake.Statistics.Accepted, Intake.Statistics.TotalRejections));
    }

    [Fact]
    public void Refspecs_TrustPinned_OnlyTheTrustedAuthorsNamespaces()
    {
        Assert.Equal(["+refs/peermesh/*:refs/peermesh/*"], Intake.Refspecs());

        _trust = TrustList.Parse([Alice.ToUpperInvariant(), PeerSetup.NodeId]);

        Assert.Equal(
            [.. new[] { Alice, PeerSetup.NodeId }.Order(StringComparer.Ordinal).Select(id => $"+refs/peermesh/{id}/*:refs/peermesh/{id}/*")],
            Intake.Refspecs());
    }

    [Fact]
    public async Task Fetch_OwnStatementHeardBack_NotTakenSequenceReported()
    {
        var mine = Sign("carol", ("main", Setup.Peer.Head()));
        Serve(mine, ("main", Setup.Peer.Head()));

        await FetchAsync();

        Assert.Equal([mine.Sequence], _ownHeard);
        Assert.Null(Setup.Local.RefTarget($"refs/peermesh/{Carol}/statement"));
        Assert.Empty(Intake.Authors);
    }

    [Fact]
    public void Take_NamedCommitPresentWithoutItsParent_DisconnectedNothingWritten()
    {
        // A commit whose parent was never sent: libgit2's download would index such a pack without complaint.
        var tree = Git.Run(Setup.Local.WorkDir, "rev-parse", "HEAD^{tree}");
        var orphan = Git.RunWithInput(
            Setup.Local.WorkDir,
            $"tree {tree}\nparent {new string('7', 40)}\nauthor a <a@b> 1700000000 +0000\ncommitter a <a@b> 1700000000 +0000\n\ntruncated\n",
            "hash-object", "-t", "commit", "-w", "--stdin");
        var statement = Sign("alice", ("main", orphan));
        ObjectId blob;
        using (var repo = new Repository(Setup.Local.GitDir))
        {
            blob = repo.ObjectDatabase.Write<Blob>(statement.Encoded.ToArray());
            Intake.Take(repo, _bob, PeerSetup.NodeId, [($"refs/peermesh/{Alice}/statement", blob)], Token);
        }

        Assert.Null(Setup.Local.RefTarget("refs/remotes/alice/main"));
        Assert.Null(Setup.Local.RefTarget($"refs/peermesh/{Alice}/statement"));
        Assert.Equal(1, Intake.Statistics.RejectionsFor(StatementRejection.Disconnected));
    }

    /// <summary>Alice's two commits and a statement of each; the newer one served by bob and fetched.</summary>
    private async Task<(string First, string Second, RefsStatement Older, RefsStatement Newer)> TakeTwoStatementsAsync()
    {
        var first = AliceCommit(Setup.Peer.Head(), "alice first");
        var second = AliceCommit(first, "alice second");
        var older = Sign("alice", ("main", first));
        var newer = Sign("alice", ("main", second));
        Serve(newer, ("main", second));
        await FetchAsync();
        return (first, second, older, newer);
    }

    private StatementIntake NewIntake()
    {
        var remotes = new ManagedRemotes(Setup.Local.GitDir, Setup.RepoId, _time, NullLogger<ManagedRemotes>.Instance);
        return new StatementIntake(
            Setup.Local.GitDir,
            Setup.RepoId,
            Carol,
            new StatementLedger(_time),
            (id, name) => remotes.EnsureForAuthor(id, name, _trust),
            () => _trust,
            _time,
            NullLogger<StatementIntake>.Instance)
        {
            OwnHeard = _ownHeard.Add,
            HoldingsChanged = () => _holdingsChanged++,
            IsConnected = (gitDir, commits, ct) =>
            {
                _connectivityAsked.Add([.. commits]);
                return Connectivity.IsConnected(gitDir, commits, ct);
            },
        };
    }

    private Task<FetchOutcome> FetchAsync() => _fetcher!.FetchAsync(_bob, Token);

    /// <summary>A commit of alice's at the relay, on no branch of bob's.</summary>
    private string AliceCommit(string parent, string message)
    {
        var file = Path.Combine(Setup.Peer.WorkDir, "alice.txt");
        File.WriteAllText(file, message);
        var blob = Git.Run(Setup.Peer.WorkDir, "hash-object", "-w", file);
        File.Delete(file);
        var tree = Git.RunWithInput(Setup.Peer.WorkDir, $"100644 blob {blob}\talice.txt\n", "mktree");
        return Git.Run(Setup.Peer.WorkDir, "commit-tree", tree, "-p", parent, "-m", message);
    }

    /// <summary>Signed a second after the previous one: sequences grow with the fake clock.</summary>
    private RefsStatement Sign(string who, params (string Branch, string Commit)[] branches)
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        return StatementBuilder.Build(_ids[who], who, Setup.RepoId, branches.Select(b => new BranchTip(b.Branch, b.Commit)), 0, _time).Statement;
    }

    private void Serve(RefsStatement statement, params (string Branch, string Commit)[] copies) =>
        ServeBytes(statement.AuthorId, [.. statement.Encoded], copies);

    /// <summary>What bob serves of <paramref name="author"/>: these statement bytes and exactly these relay copies.</summary>
    private void ServeBytes(string author, byte[] bytes, params (string Branch, string Commit)[] copies)
    {
        using var repo = new Repository(Setup.Peer.GitDir);
        var blob = repo.ObjectDatabase.Write<Blob>(bytes);
        repo.Refs.Add(StatementRefs.Statement(author), blob, "test", allowOverwrite: true);
        foreach (var stale in repo.Refs.FromGlob(StatementRefs.Heads(author) + "*").ToList())
        {
            repo.Refs.Remove(stale);
        }

        foreach (var (branch, commit) in copies)
        {
            repo.Refs.Add(StatementRefs.Heads(author) + branch, new ObjectId(commit), "test", allowOverwrite: true);
        }
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return i;
            }
        }

        throw new InvalidOperationException("not found");
    }
}
