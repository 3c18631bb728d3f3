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

    private RefWatcher Watcher(TimeProvider? time = null, SyncOptions? options = null) => new(
        _repo.GitDir,
        RepoId,
        _publisher,
        options ?? new SyncOptions { RefPollInterval = TimeSpan.FromHours(1) }, // events only: the poll never fires here
        time ?? TimeProvider.System,
        NullLogger<RefWatcher>.Instance);

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
    public async Task PollTimer_Elapses_SignalsRecompute()
    {
        var time = new FakeTimeProvider();
        await using var watcher = Watcher(time, new SyncOptions { RefPollInterval = TimeSpan.FromSeconds(2), RefDebounce = TimeSpan.Zero });
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        var before = watcher.Signals;

        time.Advance(TimeSpan.FromSeconds(2));
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(before + 2, watcher.Signals);
    }
}
