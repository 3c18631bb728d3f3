using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Sync.Tests.Support;
using PeerMesh.Sync.Watching;
using Xunit;

namespace PeerMesh.Sync.Tests.Watching;

public sealed class RefWatcherTests : IDisposable
{
    private const string RepoId = "1111111111111111111111111111111111111111";

    private readonly TempRepo _repo = TempRepo.Create();
    private readonly FakePublisher _publisher = new();

    public void Dispose() => _repo.Dispose();

    private readonly Occurrences _reads = new();
    private readonly Occurrences _configChanges = new();

    private RefWatcher Watcher(TimeProvider? time = null, SyncOptions? options = null, IGitDirWatch? watch = null, string? gitDir = null) => new(
        gitDir ?? _repo.GitDir,
        RepoId,
        _publisher,
        options ?? new SyncOptions { RefPollInterval = TimeSpan.FromHours(1) }, // events only: the poll never fires here
        time ?? TimeProvider.System,
        NullLogger<RefWatcher>.Instance,
        onRead: _ => _reads.Hit(),
        onConfigChanged: _configChanges.Hit,
        watch: watch);

    /// <summary>Fake clock, no debounce, a safety poll of a minute and a fallback of 2 s.</summary>
    private static SyncOptions FakeClockOptions() => new()
    {
        RefPollInterval = TimeSpan.FromMinutes(1),
        RefFallbackPollInterval = TimeSpan.FromSeconds(2),
        RefDebounce = TimeSpan.Zero,
    };

    private Task<string> WaitForPublishAsync(int count) => _publisher.PublishedAsync(count, TestContext.Current.CancellationToken);

    [Fact]
    public async Task StartAsync_Always_PublishesInitialDigest()
    {
        await using var watcher = Watcher();

        await watcher.StartAsync(TestContext.Current.CancellationToken);

        var (repoId, digest) = Assert.Single(_publisher.Published);
        Assert.Equal(RepoId, repoId);
        Assert.Equal(RefsDigest.Compute(_repo.GitDir), digest);
        Assert.Equal(digest, watcher.CurrentDigest);
    }

    [Fact]
    public async Task Commit_WhileWatching_PublishesNewDigest()
    {
        await using var watcher = Watcher();
        await watcher.StartAsync(TestContext.Current.CancellationToken);

        _repo.Commit("change");
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var digest = await WaitForPublishAsync(2);
        TestContext.Current.TestOutputHelper?.WriteLine($"published {clock.Elapsed.TotalMilliseconds:F1} ms after git commit exited");
        Assert.Equal(RefsDigest.Compute(_repo.GitDir), digest);
        Assert.Equal(digest, watcher.CurrentDigest);
    }

    [Fact]
    public async Task BranchCreationAndReset_WhileWatching_EachPublished()
    {
        await using var watcher = Watcher();
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        var first = _repo.Head();
        _repo.Commit("second");
        await WaitForPublishAsync(2);

        Git.Run(_repo.WorkDir, "branch", "topic/new");
        var afterBranch = await WaitForPublishAsync(3);
        Git.Run(_repo.WorkDir, "reset", "-q", "--hard", first);
        var afterReset = await WaitForPublishAsync(4);

        Assert.NotEqual(afterBranch, afterReset);
        Assert.Equal(RefsDigest.Compute(_repo.GitDir), afterReset);
    }

    [Fact]
    public async Task PackedRefUpdate_WhileWatching_Published()
    {
        Git.Run(_repo.WorkDir, "branch", "packed");
        Git.Run(_repo.WorkDir, "pack-refs", "--all");
        await using var watcher = Watcher();
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        var commit = _repo.Commit("on main");

        await WaitForPublishAsync(2);
        Git.Run(_repo.WorkDir, "update-ref", "refs/heads/packed", commit);
        var digest = await WaitForPublishAsync(3);

        Assert.Equal(RefsDigest.Compute(_repo.GitDir), digest);
    }

    [Fact]
    public async Task TagAndRemoteRefChanges_WhileWatching_NotPublished()
    {
        await using var watcher = Watcher();
        await watcher.StartAsync(TestContext.Current.CancellationToken);

        Git.Run(_repo.WorkDir, "tag", "v1");
        Git.Run(_repo.WorkDir, "update-ref", "refs/remotes/peer/main", _repo.Head());
        _repo.Commit("marker");
        var digest = await WaitForPublishAsync(2);
        await watcher.StopAsync();

        // Had the tag or the remote ref counted, a publication would have come before the commit's.
        Assert.Equal(2, _publisher.Published.Count);
        Assert.Equal(RefsDigest.Compute(_repo.GitDir), digest);
    }

    [Fact]
    public async Task Checkout_AnotherBranch_Published()
    {
        Git.Run(_repo.WorkDir, "branch", "wip");
        await using var watcher = Watcher();
        await watcher.StartAsync(TestContext.Current.CancellationToken);

        // No branch moves, but whether HEAD is served depends on the branch checked out (only a shared one).
        Git.Run(_repo.WorkDir, "checkout", "-q", "wip");
        var digest = await WaitForPublishAsync(2);

        Assert.Equal(RefsDigest.Compute(_repo.GitDir), digest);
        Assert.NotEqual(_publisher.Published.First().Digest, digest);
    }

    [Fact]
    public async Task PollTimer_Elapses_SignalsRecompute()
    {
        var time = new FakeTimeProvider();
        using var watch = new ManualGitDirWatch();
        await using var watcher = Watcher(time, FakeClockOptions(), watch);
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        var before = watcher.Signals;

        time.Advance(TimeSpan.FromMinutes(1));
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(before + 2, watcher.Signals);
    }

    [Fact]
    public async Task RefsEvent_BranchMoved_LooksAndPublishesWithoutThePoll()
    {
        var time = new FakeTimeProvider();
        using var watch = new ManualGitDirWatch();
        await using var watcher = Watcher(time, FakeClockOptions(), watch);
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        _repo.Commit("moved");

        watch.Fire(GitDirChange.Refs);
        var digest = await WaitForPublishAsync(2);

        Assert.Equal(RefsDigest.Compute(_repo.GitDir), digest);
        Assert.Equal(0, _configChanges.Count); // a refs event does not read the config
        Assert.Equal(TimeSpan.FromMinutes(1), watcher.PollInterval);
    }

    [Fact]
    public async Task ConfigEvent_Fired_ConfigChangedCalledRefsNotRead()
    {
        var time = new FakeTimeProvider();
        using var watch = new ManualGitDirWatch();
        await using var watcher = Watcher(time, FakeClockOptions(), watch);
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        var reads = _reads.Count;

        watch.Fire(GitDirChange.Config);
        await _configChanges.WaitAsync(1, TestContext.Current.CancellationToken);

        Assert.Equal(reads, _reads.Count);
    }

    [Fact]
    public async Task SafetyPoll_WatchNeverFires_ChangeAndConfigSeenAtTheInterval()
    {
        var time = new FakeTimeProvider();
        using var watch = new ManualGitDirWatch();
        await using var watcher = Watcher(time, FakeClockOptions(), watch);
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        var signals = watcher.Signals;
        _repo.Commit("missed by the watch");

        time.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(1));
        Assert.Equal(signals, watcher.Signals); // idle: nothing woke the watcher before the safety poll
        time.Advance(TimeSpan.FromTicks(1));
        var digest = await WaitForPublishAsync(2);
        await _configChanges.WaitAsync(1, TestContext.Current.CancellationToken);

        Assert.Equal(RefsDigest.Compute(_repo.GitDir), digest);
    }

    [Fact]
    public async Task StartAsync_WatchImpossible_PollsAtTheFallbackIntervalAndSaysWhy()
    {
        var time = new FakeTimeProvider();
        using var watch = new ManualGitDirWatch("inotify watch limit reached");
        await using var watcher = Watcher(time, FakeClockOptions(), watch);
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        var signals = watcher.Signals;
        _repo.Commit("seen by the fallback poll");

        time.Advance(TimeSpan.FromSeconds(2));
        var digest = await WaitForPublishAsync(2);

        Assert.Equal(signals + 1, watcher.Signals);
        Assert.Equal("inotify watch limit reached", watcher.WatchFailure);
        Assert.Equal(TimeSpan.FromSeconds(2), watcher.PollInterval);
        Assert.Equal(RefsDigest.Compute(_repo.GitDir), digest);
    }

    [Fact]
    public async Task WatchFails_WhileRunning_SwitchesToTheFallbackPoll()
    {
        var time = new FakeTimeProvider();
        using var watch = new ManualGitDirWatch();
        await using var watcher = Watcher(time, FakeClockOptions(), watch);
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        var signals = watcher.Signals;

        watch.Fail("no space left on device");
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(signals + 1, watcher.Signals);
        Assert.Equal("no space left on device", watcher.WatchFailure);
        Assert.Equal(TimeSpan.FromSeconds(2), watcher.PollInterval);
    }

    [Fact]
    public async Task Refs_UnreadableThenBack_FallbackPollWhileAwayThenTheSafetyPollAgain()
    {
        var time = new FakeTimeProvider();
        using var watch = new ManualGitDirWatch();
        var changes = new Occurrences();
        var intervals = new System.Collections.Concurrent.ConcurrentQueue<TimeSpan>();
        await using var watcher = new RefWatcher(_repo.GitDir, RepoId, _publisher, FakeClockOptions(), time, NullLogger<RefWatcher>.Instance, onRead: _ => _reads.Hit(), watch: watch)
        {
            PollIntervalChanged = interval =>
            {
                intervals.Enqueue(interval);
                changes.Hit();
            },
        };
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        var moved = _repo.WorkDir + "-away";
        var reads = _reads.Count;

        Directory.Move(_repo.WorkDir, moved);
        try
        {
            watch.Fire(GitDirChange.Refs); // the read fails: a poll of 2 s until it is back
            await changes.WaitAsync(1, TestContext.Current.CancellationToken);
            Assert.Equal(TimeSpan.FromSeconds(2), watcher.PollInterval);
        }
        finally
        {
            Directory.Move(moved, _repo.WorkDir);
        }

        time.Advance(TimeSpan.FromSeconds(2));
        await _reads.WaitAsync(reads + 1, TestContext.Current.CancellationToken);
        await changes.WaitAsync(2, TestContext.Current.CancellationToken);

        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1)], intervals);
        Assert.Equal(TimeSpan.FromMinutes(1), watcher.PollInterval);
    }

    [Fact]
    public async Task ConfigChange_RealGitConfig_SeenWithoutThePoll()
    {
        await using var watcher = Watcher();
        await watcher.StartAsync(TestContext.Current.CancellationToken);

        Git.Run(_repo.WorkDir, "config", "--add", "peermesh.trust", "0123456789abcdef0123456789abcdef");

        await _configChanges.WaitAsync(1, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task PackRefs_RealGit_LookedAtWithoutThePollNothingPublished()
    {
        Git.Run(_repo.WorkDir, "branch", "topic");
        await using var watcher = Watcher();
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        var reads = _reads.Count;

        Git.Run(_repo.WorkDir, "pack-refs", "--all");
        await _reads.WaitAsync(reads + 1, TestContext.Current.CancellationToken);
        _repo.Commit("marker");
        await WaitForPublishAsync(2);

        // Packing moved no branch: the only publication after the start is the marker's.
        Assert.Equal(2, _publisher.Published.Count);
        Assert.Equal(RefsDigest.Compute(_repo.GitDir), watcher.CurrentDigest);
    }

    [Fact]
    public async Task BranchFolderRemoved_RealGit_StillWatchedNoFallbackPoll()
    {
        await using var watcher = Watcher();
        await watcher.StartAsync(TestContext.Current.CancellationToken);

        Git.Run(_repo.WorkDir, "branch", "topic/x"); // git makes refs/heads/topic, and removes it with the branch
        await WaitForPublishAsync(2);
        Git.Run(_repo.WorkDir, "branch", "-D", "topic/x");
        await WaitForPublishAsync(3);
        _repo.Commit("after the folder went");
        var digest = await WaitForPublishAsync(4);

        // A removed sub-folder is not a failure of the watch: no fallback to the 2 s poll.
        Assert.Null(watcher.WatchFailure);
        Assert.Equal(TimeSpan.FromHours(1), watcher.PollInterval);
        Assert.Equal(RefsDigest.Compute(_repo.GitDir), digest);
    }

    [Fact]
    public async Task LinkedWorktree_CommitAndConfig_SeenWithoutThePoll()
    {
        var worktree = Path.Combine(_repo.Root, "linked");
        Git.Run(_repo.WorkDir, "worktree", "add", "-q", "-b", "side", worktree);
        var gitDir = LibGit2Sharp.Repository.Discover(worktree);
        await using var watcher = Watcher(gitDir: gitDir);
        await watcher.StartAsync(TestContext.Current.CancellationToken);

        await File.WriteAllTextAsync(Path.Combine(worktree, "side.txt"), "side\n", TestContext.Current.CancellationToken);
        Git.Run(worktree, "add", "-A");
        Git.Run(worktree, "commit", "-q", "-m", "on the linked worktree");
        var digest = await WaitForPublishAsync(2);
        Git.Run(worktree, "config", "--add", "peermesh.trust", "0123456789abcdef0123456789abcdef");
        await _configChanges.WaitAsync(1, TestContext.Current.CancellationToken);

        Assert.Equal(RefsDigest.Compute(gitDir!), digest); // the branches in the common dir, HEAD of the linked worktree
    }
}
