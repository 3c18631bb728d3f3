using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Mesh.Membership;
using PeerMesh.Sync.Fetching;
using PeerMesh.Sync.Remotes;
using PeerMesh.Sync.Status;
using PeerMesh.Sync.Tests.Support;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Logging;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Sync.Tests.Fetching;

public sealed class PeerFetcherTests
{
    private static PeerFetcher Fetcher(PeerSetup setup, SyncOptions? options = null) =>
        new(setup.Local.GitDir, options ?? PeerSetup.FastOptions(), TimeProvider.System, NullLogger<PeerFetcher>.Instance);

    [Fact]
    public async Task FetchAsync_PeerCommitted_TrackingRefMovesAndNothingLocalChanges()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();
        await File.WriteAllTextAsync(Path.Combine(setup.Local.WorkDir, "dirty.txt"), "uncommitted\n", ct);
        Git.Run(setup.Local.WorkDir, "add", "dirty.txt");
        var localMain = setup.Local.Head();
        var fingerprint = setup.Local.Fingerprint();
        var commit = setup.Peer.Commit("peer work");

        var outcome = await Fetcher(setup).FetchAsync(remote, ct);

        Assert.Equal(commit, setup.Local.RefTarget("refs/remotes/peer/main"));
        Assert.Contains("refs/remotes/peer/main", outcome.UpdatedRefs);
        Assert.Empty(outcome.RewrittenRefs);
        Assert.Equal(localMain, setup.Local.RefTarget("refs/heads/main"));
        Assert.Equal(fingerprint, setup.Local.Fingerprint());
        Assert.False(File.Exists(Path.Combine(setup.Local.GitDir, "FETCH_HEAD")));
    }

    [Theory]
    [InlineData("fetch", "+refs/heads/*:refs/heads/*")]
    [InlineData("fetch", "+refs/*:refs/*")]
    [InlineData("mirror", "true")]
    public async Task FetchAsync_ManagedRemoteConfigWidened_OnlyTrackingRefsWrittenLocalBranchesUntouched(string key, string value)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();
        Git.Run(setup.Local.WorkDir, "config", $"remote.{remote}.{key}", value);
        Git.Run(setup.Local.WorkDir, "branch", "mine");
        var commit = setup.Peer.Commit("peer work");
        Git.Run(setup.Peer.WorkDir, "branch", "feature");
        Git.Run(setup.Peer.WorkDir, "tag", "-a", "v1", "-m", "release");
        var head = Git.Run(setup.Local.WorkDir, "symbolic-ref", "HEAD");
        var fingerprint = setup.Local.Fingerprint();
        var others = OutsideTrackingRefs(setup.Local, remote);

        var outcome = await Fetcher(setup).FetchAsync(remote, ct);

        Assert.Equal(["refs/remotes/peer/feature", "refs/remotes/peer/main"], outcome.UpdatedRefs.Order(StringComparer.Ordinal));
        Assert.Equal(commit, setup.Local.RefTarget("refs/remotes/peer/main"));
        Assert.Equal(others, OutsideTrackingRefs(setup.Local, remote));
        Assert.Equal(head, Git.Run(setup.Local.WorkDir, "symbolic-ref", "HEAD"));
        Assert.Equal(fingerprint, setup.Local.Fingerprint());
        Assert.False(File.Exists(Path.Combine(setup.Local.GitDir, "FETCH_HEAD")));
        Git.Run(setup.Local.WorkDir, "fsck", "--full", "--strict");
    }

    [Fact]
    public async Task FetchAsync_UserInsteadOfRewritesGitUrls_FetchStillGoesToThePeerItsUrlNames()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();
        using var elsewhere = TempRepo.Create("elsewhere");
        Git.Run(setup.Local.WorkDir, "config", $"url.file://{elsewhere.Root}/.insteadOf", "git://127.0.0.1:");
        var commit = setup.Peer.Commit("peer work");

        await Fetcher(setup).FetchAsync(remote, ct);

        Assert.Equal(commit, setup.Local.RefTarget("refs/remotes/peer/main"));
    }

    [Fact]
    public async Task FetchAsync_UserFetchHead_ContentAndTimeUntouched()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();
        Git.Run(setup.Local.WorkDir, "remote", "add", "upstream", setup.Peer.WorkDir);
        Git.Run(setup.Local.WorkDir, "fetch", "-q", "upstream");
        var fetchHead = Path.Combine(setup.Local.GitDir, "FETCH_HEAD");
        var written = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(fetchHead, written);
        var content = await File.ReadAllBytesAsync(fetchHead, ct);
        var fetcher = Fetcher(setup);

        for (var i = 0; i < 3; i++)
        {
            var commit = setup.Peer.Commit($"peer work {i}");
            await fetcher.FetchAsync(remote, ct);
            Assert.Equal(commit, setup.Local.RefTarget("refs/remotes/peer/main"));
        }

        Assert.Equal(content, await File.ReadAllBytesAsync(fetchHead, ct));
        Assert.Equal(written, File.GetLastWriteTimeUtc(fetchHead));
    }

    [Fact]
    public async Task FetchAsync_UserGitFetchRunningAtTheSameTime_FetchHeadIsAlwaysTheUsers()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        using var upstream = TempRepo.CloneOf(setup.Peer, "upstream");
        Git.Run(setup.Local.WorkDir, "remote", "add", "upstream", upstream.WorkDir);
        // Four managed remotes of the same peer: the scheduler's default of four fetches at once.
        var remotes = Enumerable.Range(0, 4)
            .Select(i => AddManagedRemote(setup, new string((char)('a' + i), 32), $"peer{i}"))
            .ToList();
        var fetcher = Fetcher(setup);
        var fetchHead = Path.Combine(setup.Local.GitDir, "FETCH_HEAD");

        for (var round = 0; round < 10; round++)
        {
            var peerCommit = setup.Peer.Commit($"peer work {round}");
            var userCommit = upstream.Commit($"upstream work {round}");
            var nodes = Task.WhenAll(remotes.Select(r => FetchRetryingLockContentionAsync(fetcher, r, ct)));
            var user = Task.Run(() => Git.Run(setup.Local.WorkDir, "fetch", "-q", "upstream"), ct);

            await Task.WhenAll(nodes, user);

            // Only the user's fetch wrote FETCH_HEAD, and what it wrote is still there.
            var lines = await File.ReadAllLinesAsync(fetchHead, ct);
            Assert.Contains(lines, l => l.StartsWith(userCommit + "\t", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Contains(peerCommit, StringComparison.Ordinal));
            Assert.All(remotes, r => Assert.Equal(peerCommit, setup.Local.RefTarget($"refs/remotes/{r}/main")));
        }
    }

    /// <summary>
    /// As the scheduler does (lock contention is transient): libgit2 rewrites <c>.git/shallow</c> under
    /// <c>shallow.lock</c> after every pack it downloads, so fetches into one repository at once can meet there.
    /// </summary>
    private static async Task FetchRetryingLockContentionAsync(PeerFetcher fetcher, string remote, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await fetcher.FetchAsync(remote, cancellationToken);
                return;
            }
            catch (FetchFailedException e) when (e.Kind == FetchErrorKind.LockContention && attempt < 5)
            {
            }
        }
    }

    private static string OutsideTrackingRefs(TempRepo repo, string remote) =>
        string.Join('\n', repo.AllRefs().Split('\n').Where(l => !l.StartsWith($"refs/remotes/{remote}/", StringComparison.Ordinal)));

    private static string AddManagedRemote(PeerSetup setup, string nodeId, string name)
    {
        var remotes = new ManagedRemotes(setup.Local.GitDir, setup.RepoId, TimeProvider.System, NullLogger<ManagedRemotes>.Instance);
        var member = FakeMembershipView.MakeMember(nodeId, name, setup.Daemon.Port, setup.RepoId, address: System.Net.IPAddress.Loopback);
        return remotes.Reconcile(new MembershipSnapshot(1, [member])).Single(r => r.NodeId == nodeId).Name;
    }

    [Fact]
    public async Task FetchAsync_PeerNewBranchAndTag_BranchAppearsTagNotWritten()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();
        Git.Run(setup.Peer.WorkDir, "checkout", "-q", "-b", "feature/x");
        var commit = setup.Peer.Commit("feature");
        Git.Run(setup.Peer.WorkDir, "tag", "-a", "v1", "-m", "release");
        Git.Run(setup.Peer.WorkDir, "tag", "light");

        await Fetcher(setup).FetchAsync(remote, ct);

        Assert.Equal(commit, setup.Local.RefTarget("refs/remotes/peer/feature/x"));
        Assert.Equal(string.Empty, Git.Run(setup.Local.WorkDir, "tag", "--list"));
        Assert.Equal(string.Empty, Git.Run(setup.Local.WorkDir, "for-each-ref", "refs/tags"));
    }

    [Fact]
    public async Task FetchAsync_PeerRewroteHistory_OnlyTrackingRefMovesAndFlagged()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();
        var fetcher = Fetcher(setup);
        setup.Peer.Commit("to be rewritten");
        await fetcher.FetchAsync(remote, ct);
        var localMain = setup.Local.Head();
        Git.Run(setup.Peer.WorkDir, "reset", "-q", "--hard", "HEAD~1");
        var rewritten = setup.Peer.Commit("rewritten", "other.txt", "different\n");

        var outcome = await fetcher.FetchAsync(remote, ct);

        Assert.Equal(["refs/remotes/peer/main"], outcome.RewrittenRefs);
        Assert.Equal(rewritten, setup.Local.RefTarget("refs/remotes/peer/main"));
        Assert.Equal(localMain, setup.Local.RefTarget("refs/heads/main"));
    }

    [Fact]
    public async Task FetchAsync_NothingNew_NoUpdates()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();
        var fetcher = Fetcher(setup);
        await fetcher.FetchAsync(remote, ct);

        var outcome = await fetcher.FetchAsync(remote, ct);

        Assert.Empty(outcome.UpdatedRefs);
    }

    [Fact]
    public async Task FetchAsync_SilentServer_AbortedAsNoAnswer()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        await using var silent = new SilentServer();
        var remote = setup.AddManagedRemote(port: silent.Port);
        var before = setup.Local.AllRefs();
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<FetchFailedException>(() => Fetcher(setup).FetchAsync(remote, ct));

        Assert.Equal(FetchErrorKind.NoAnswer, error.Kind);
        Assert.Equal("no answer for 2 s", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Equal(1, silent.Accepted);
        Assert.Equal(before, setup.Local.AllRefs());
    }

    [Fact]
    public async Task FetchAsync_NothingListening_ConnectionRefusedFast()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote(port: GitDaemon.FreePort());
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<FetchFailedException>(() => Fetcher(setup).FetchAsync(remote, ct));

        Assert.Equal(FetchErrorKind.ConnectionRefused, error.Kind);
        Assert.Equal("connection refused", error.Message);
        Assert.True(error.IsTransient);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task FetchAsync_PackOverCap_AbortedRepoUnchangedFsckClean()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();
        var random = new Random(42);
        var big = new byte[512 * 1024];
        random.NextBytes(big);
        await File.WriteAllBytesAsync(Path.Combine(setup.Peer.WorkDir, "big.bin"), big, ct);
        setup.Peer.Commit("big");
        var before = setup.Local.AllRefs();
        var packsBefore = Directory.GetFiles(Path.Combine(setup.Local.GitDir, "objects"), "*", SearchOption.AllDirectories).Length;
        var options = PeerSetup.FastOptions();
        options.MaxPackBytes = 64 * 1024;

        var error = await Assert.ThrowsAsync<FetchFailedException>(() => Fetcher(setup, options).FetchAsync(remote, ct));

        Assert.Equal(FetchErrorKind.PackTooLarge, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Equal(before, setup.Local.AllRefs());
        Assert.Equal(packsBefore, Directory.GetFiles(Path.Combine(setup.Local.GitDir, "objects"), "*", SearchOption.AllDirectories).Length);
        Git.Run(setup.Local.WorkDir, "fsck", "--full", "--strict");
    }

    [Fact]
    public async Task FetchAsync_StaleLockOfOurs_RemovedAndFetchSucceeds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();
        var lockFile = Path.Combine(setup.Local.GitDir, "refs", "remotes", "peer", "main.lock");
        Directory.CreateDirectory(Path.GetDirectoryName(lockFile)!);
        await File.WriteAllTextAsync(lockFile, "crashed\n", ct);
        File.SetLastWriteTimeUtc(lockFile, DateTime.UtcNow.AddHours(-1));
        var commit = setup.Peer.Commit("after crash");

        await Fetcher(setup).FetchAsync(remote, ct);

        Assert.False(File.Exists(lockFile));
        Assert.Equal(commit, setup.Local.RefTarget("refs/remotes/peer/main"));
    }

    [Fact]
    public async Task FetchAsync_FreshLockHeldByUser_LockContentionNotForced()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();
        var lockFile = Path.Combine(setup.Local.GitDir, "refs", "remotes", "peer", "main.lock");
        Directory.CreateDirectory(Path.GetDirectoryName(lockFile)!);
        await File.WriteAllTextAsync(lockFile, "busy\n", ct);
        setup.Peer.Commit("while locked");

        var error = await Assert.ThrowsAsync<FetchFailedException>(() => Fetcher(setup).FetchAsync(remote, ct));

        Assert.Equal(FetchErrorKind.LockContention, error.Kind);
        Assert.True(error.IsTransient);
        Assert.True(File.Exists(lockFile));
    }

    /// <summary>
    /// Issue 12 item 14: the scheduler passes the address it knows the peer at when the attempt starts; the config is
    /// not read for it, so a URL written there meanwhile (or left there) cannot send the attempt elsewhere.
    /// </summary>
    [Fact]
    public async Task FetchAsync_UrlGiven_FetchedFromThatUrlAndTheConfiguredOneNotContacted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        await using var oldAddress = new RecordingServer();
        var remote = setup.AddManagedRemote(port: oldAddress.Port);
        var configured = Git.Run(setup.Local.WorkDir, "remote", "get-url", remote);
        var commit = setup.Peer.Commit("peer work");

        var outcome = await Fetcher(setup).FetchAsync(remote, $"git://127.0.0.1:{setup.Daemon.Port}/repo", ct);

        Assert.Contains("refs/remotes/peer/main", outcome.UpdatedRefs);
        Assert.Equal(commit, setup.Local.RefTarget("refs/remotes/peer/main"));
        Assert.Equal(0, oldAddress.Connections);
        Assert.Equal(configured, Git.Run(setup.Local.WorkDir, "remote", "get-url", remote));
    }

    [Theory]
    [InlineData("file:///etc")]
    [InlineData("git://127.0.0.1:9418/../etc")]
    [InlineData("")]
    public async Task FetchAsync_GivenUrlNotOfTheManagedShape_RefusedAsNotManaged(string url)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();

        var error = await Assert.ThrowsAsync<FetchFailedException>(() => Fetcher(setup).FetchAsync(remote, url, ct));

        Assert.Equal(FetchErrorKind.NotManaged, error.Kind);
    }

    [Fact]
    public async Task FetchAsync_UrlGivenForAUserRemote_RefusedAsNotManaged()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var url = $"git://127.0.0.1:{setup.Daemon.Port}/repo";
        Git.Run(setup.Local.WorkDir, "remote", "add", "mine", url);

        var error = await Assert.ThrowsAsync<FetchFailedException>(() => Fetcher(setup).FetchAsync("mine", url, ct));

        Assert.Equal(FetchErrorKind.NotManaged, error.Kind);
    }

    [Fact]
    public async Task FetchAsync_UserRemote_RefusedAsNotManaged()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        Git.Run(setup.Local.WorkDir, "remote", "add", "mine", $"git://127.0.0.1:{setup.Daemon.Port}/repo");

        var error = await Assert.ThrowsAsync<FetchFailedException>(() => Fetcher(setup).FetchAsync("mine", ct));

        Assert.Equal(FetchErrorKind.NotManaged, error.Kind);
        Assert.Null(setup.Local.RefTarget("refs/remotes/mine/main"));
    }

    [Fact]
    public async Task FetchAsync_ManagedRemoteUrlEditedToFile_Refused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();
        Git.Run(setup.Local.WorkDir, "remote", "set-url", remote, "file://" + setup.Peer.WorkDir);

        var error = await Assert.ThrowsAsync<FetchFailedException>(() => Fetcher(setup).FetchAsync(remote, ct));

        Assert.Equal(FetchErrorKind.NotManaged, error.Kind);
    }

    [Fact]
    public async Task FetchAsync_PeerFloodsBranches_StoppedAtCap()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();
        foreach (var branch in new[] { "b1", "b2", "b3", "b4", "b5" })
        {
            Git.Run(setup.Peer.WorkDir, "branch", branch);
        }

        var options = PeerSetup.FastOptions();
        options.MaxTrackingRefs = 2;

        var error = await Assert.ThrowsAsync<FetchFailedException>(() => Fetcher(setup, options).FetchAsync(remote, ct));

        Assert.Equal("peer has more than 2 branches; stopped there", error.Message);
        var written = Git.Run(setup.Local.WorkDir, "for-each-ref", "--format=%(refname)", "refs/remotes/peer/");
        Assert.Equal(2, written.Split('\n').Length);
    }

    [Fact]
    public async Task FetchAsync_PeerAdvertisesAHundredThousandRefs_CappedOnlyTrackingRefsWrittenNothingLocalChanged()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();
        var head = Git.Run(setup.Peer.WorkDir, "rev-parse", "HEAD").Trim();
        // 100 000 branches, plus refs outside refs/heads with odd names: notes, pull requests, a tag. Written as the
        // packed-refs file git would write (sorted): update-ref and pack-refs take minutes on a loaded machine.
        var names = Enumerable.Range(0, 100_000).Select(i => $"refs/heads/flood/{i:D6}")
            .Concat(["refs/notes/commits", "refs/pull/1/head", "refs/tags/v1", "refs/heads/-rf", "refs/heads/@"])
            .Order(StringComparer.Ordinal);
        var packed = new System.Text.StringBuilder("# pack-refs with: peeled fully-peeled sorted \n");
        foreach (var name in names)
        {
            packed.Append(CultureInfo.InvariantCulture, $"{head} {name}\n");
        }

        await File.WriteAllTextAsync(Path.Combine(setup.Peer.GitDir, "packed-refs"), packed.ToString(), ct);
        Assert.Equal(100_006, Git.Run(setup.Peer.WorkDir, "for-each-ref", "--format=%(refname)").Split('\n').Length);
        var before = Git.Run(setup.Local.WorkDir, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", "refs/tags", "refs/notes");

        // The daemon takes a while to advertise 100 006 refs on a loaded machine: this test is about the cap, so the
        // no-answer watchdog gets the default time instead of the fast tests' 2 s (it fired once in a full run).
        var options = PeerSetup.FastOptions();
        options.WatchdogTimeout = new SyncOptions().WatchdogTimeout;
        options.AttemptTimeout = new SyncOptions().AttemptTimeout;
        options.OverallTimeout = new SyncOptions().OverallTimeout;
        var error = await Assert.ThrowsAsync<FetchFailedException>(() => Fetcher(setup, options).FetchAsync(remote, ct));

        Assert.Equal("peer has more than 10000 branches; stopped there", error.Message);
        var written = Git.Run(setup.Local.WorkDir, "for-each-ref", "--format=%(refname)").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(written.Count(r => r.StartsWith("refs/remotes/peer/", StringComparison.Ordinal)), 1, 10_000);
        Assert.DoesNotContain(written, r => r.StartsWith("refs/remotes/", StringComparison.Ordinal) && !r.StartsWith("refs/remotes/peer/", StringComparison.Ordinal));
        Assert.Equal(before, Git.Run(setup.Local.WorkDir, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", "refs/tags", "refs/notes"));
        Git.Run(setup.Local.WorkDir, "fsck", "--full", "--strict");
    }

    [Fact]
    public async Task FetchAsync_PeerTrickles_DeadlineEndsItAtOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        await using var trickle = new TrickleServer();
        var remote = setup.AddManagedRemote(port: trickle.Port);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(3));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Fetcher(setup).FetchAsync(remote, deadline.Token));

        // The watchdog (2 s) never fires, bytes keep coming; the deadline must end it, not the peer.
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(6));
    }

    [Fact]
    public async Task FetchAsync_SilentServerAndCancelled_EndsAtCancellationNotWatchdog()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        await using var silent = new SilentServer();
        var remote = setup.AddManagedRemote(port: silent.Port);
        var options = PeerSetup.FastOptions();
        options.WatchdogTimeout = TimeSpan.FromMinutes(5);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Fetcher(setup, options).FetchAsync(remote, deadline.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task FetchAsync_LongFetch_TransferShowsObjectsBytesAndRateWhileRunningAndIsLogged()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        AddIncompressibleFiles(setup.Peer, files: 300, bytesPerFile: 4096);
        // Held after 256 KiB of the 1.2 MiB pack: the fetch is in the middle of the pack until released.
        await using var proxy = new ThrottledProxy(setup.Daemon.Port, chunkBytes: 16 * 1024, pause: TimeSpan.FromMilliseconds(20), holdAfterBytes: 256 * 1024);
        var remote = setup.AddManagedRemote(port: proxy.Port);
        var options = PeerSetup.FastOptions();
        options.ProgressLogInterval = TimeSpan.FromMilliseconds(200);
        var logger = new RecordingLogger<PeerFetcher>();
        var fetcher = new PeerFetcher(setup.Local.GitDir, options, TimeProvider.System, logger);
        Assert.Null(fetcher.Transfer(remote));

        var fetch = fetcher.FetchAsync(remote, ct);
        await proxy.Held.WaitAsync(TimeSpan.FromMinutes(2), ct);
        FetchTransferStatus? seen = null;
        await Poll.UntilAsync(
            "the transfer shows the part of the pack received",
            () => (seen = fetcher.Transfer(remote)) is { TotalObjects: > 0, ReceivedObjects: > 0 } s && s.ReceivedObjects < s.TotalObjects,
            TimeSpan.FromSeconds(30),
            ct,
            describe: () => $"transfer {fetcher.Transfer(remote)}");
        proxy.Release();
        await fetch;

        Assert.True(seen!.TotalObjects >= 300, $"total {seen.TotalObjects}");
        Assert.True(seen.ReceivedBytes > 16 * 1024, $"bytes {seen.ReceivedBytes}");
        Assert.True(seen.BytesPerSecond > 0, $"rate {seen.BytesPerSecond}");
        Assert.True(seen.Elapsed > TimeSpan.Zero);
        Assert.Null(fetcher.Transfer(remote));
        Assert.Contains(logger.Lines, l => l.Level == LogLevel.Information
            && Regex.IsMatch(l.Message, @"^fetching from peer: (\d+/\d+ objects|waiting for the pack), \d+(\.\d)? (B|KiB|MiB), \d+(\.\d)? (B|KiB|MiB)/s$"));
    }

    [Fact]
    public async Task FetchAsync_ShortFetch_NoProgressLine()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();
        setup.Peer.Commit("small");
        var logger = new RecordingLogger<PeerFetcher>();

        await new PeerFetcher(setup.Local.GitDir, PeerSetup.FastOptions(), TimeProvider.System, logger).FetchAsync(remote, ct);

        Assert.DoesNotContain(logger.Lines, l => l.Message.StartsWith("fetching from", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FetchAsync_JoinWithNothingNewThenCommits_LogsOnlyWhatArrivedInWords()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();
        var logger = new RecordingLogger<PeerFetcher>();
        var fetcher = new PeerFetcher(setup.Local.GitDir, PeerSetup.FastOptions(), TimeProvider.System, logger);

        await fetcher.FetchAsync(remote, ct);
        Assert.DoesNotContain(logger.Lines, l => l.Message.StartsWith("fetched", StringComparison.Ordinal));

        setup.Peer.Commit("one");
        setup.Peer.Commit("two");
        setup.Peer.Commit("three");
        await fetcher.FetchAsync(remote, ct);
        setup.Peer.Commit("four");
        await fetcher.FetchAsync(remote, ct);

        Assert.Equal(
            ["fetched 3 new commits on main from peer", "fetched 1 new commit on main from peer"],
            logger.Lines.Where(l => l.Message.StartsWith("fetched", StringComparison.Ordinal)).Select(l => l.Message));
    }

    private static void AddIncompressibleFiles(TempRepo repo, int files, int bytesPerFile)
    {
        var random = new Random(42);
        var buffer = new byte[bytesPerFile];
        for (var i = 0; i < files; i++)
        {
            random.NextBytes(buffer);
            File.WriteAllBytes(Path.Combine(repo.WorkDir, $"blob{i}.bin"), buffer);
        }

        Git.Run(repo.WorkDir, "add", "-A");
        Git.Run(repo.WorkDir, "commit", "-q", "-m", "many incompressible files");
    }

    [Fact]
    public async Task FetchAsync_DaemonAcceptQueueFull_NewConnectAttemptGetsInBeforeTcpSynRetry()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var commit = setup.Peer.Commit("peer work");
        await using var server = new FullBacklogServer(setup.Daemon.Port);
        Assert.True(await server.FillAsync(ct), "accept queue never filled");
        var remote = setup.AddManagedRemote(port: server.Port);

        var started = server.Now;
        var fetch = Fetcher(setup).FetchAsync(remote, ct);
        // The known point: the fetch's first SYN met the full queue.
        await Poll.UntilAsync("the fetch's connect waits in SYN-SENT", server.HasDroppedConnect, TimeSpan.FromSeconds(30), ct);
        server.Drain();
        await fetch;

        // The first SYN was dropped; TCP would send it again only after 1 s. A later attempt (hedge) gets in first.
        var servedAfter = server.FirstServedAt!.Value - started;
        Assert.True(servedAfter < TimeSpan.FromMilliseconds(900), $"served {servedAfter.TotalMilliseconds:F0} ms after the fetch started");
        Assert.Equal(commit, setup.Local.RefTarget("refs/remotes/peer/main"));
    }
}
