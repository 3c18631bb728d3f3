using PeerMesh.TestSupport.Mesh;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Sync.Fetching;
using PeerMesh.Sync.Tests.Support;
using Xunit;

namespace PeerMesh.Sync.Tests.Hostile;

/// <summary>
/// HOSTILE-INPUTS 35 on <see cref="SyncService"/>: the local repository moved away while the node runs. Real
/// repositories and a real git daemon; the scheduler's clock is fake, so the local hold, the ref watcher's poll and
/// the fetch watchdog move only when the test says (a loaded machine cannot make a timer fire in between).
/// </summary>
public sealed class RepositoryVanishesTests
{
    private static SyncOptions Options()
    {
        var options = PeerSetup.FastOptions();
        options.RefDebounce = TimeSpan.Zero; // the watcher's debounce would wait on the fake clock
        return options;
    }

    [Fact]
    public async Task Fetch_RepositoryMovedAway_ClearErrorServiceSurvivesAndRecoversWhenBack()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var view = new FakeMembershipView();
        var events = new SchedulerEvents();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var service = new SyncService(Options(), setup.Local.WorkDir, setup.RepoId, view, new FakePublisher(), time, NullLoggerFactory.Instance, events.Record);
        await service.StartAsync(ct);
        view.Set(setup.PeerMember(refsVersion: 1));
        var first = await events.FetchedAsync("peer");
        Assert.True(first.Ok, first.Error);
        var moved = setup.Local.WorkDir + "-moved";

        string commit;
        Directory.Move(setup.Local.WorkDir, moved);
        try
        {
            commit = setup.Peer.Commit("while the repository is away");
            view.Set(setup.PeerMember(refsVersion: 2));
            // Several tries while it is away: enough failures to open the breaker if they were counted against the peer.
            var report = Assert.Single(await service.FetchNowAsync("peer", ct));
            for (var i = 0; i < 3; i++)
            {
                Assert.False(Assert.Single(await service.FetchNowAsync("peer", ct)).Ok);
            }

            Assert.False(report.Ok);
            Assert.StartsWith($"local repository not found: {setup.Local.GitDir}", report.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("\n", report.Error, StringComparison.Ordinal);
            Assert.Equal(report.Error, service.GetStatus().Peers[0].Remotes[0].LastFetch!.Error);
            Assert.False(Directory.Exists(setup.Local.WorkDir), "the fetch recreated the repository folder");
        }
        finally
        {
            Directory.Move(moved, setup.Local.WorkDir);
        }

        // Back in place: a local problem did not open the peer's breaker, and nothing was lost.
        var again = Assert.Single(await service.FetchNowAsync("peer", ct));
        Assert.True(again.Ok, again.Error);
        Assert.Equal("closed", service.GetStatus().Peers[0].Remotes[0].Breaker.State);
        Assert.Equal(commit, setup.Local.RefTarget("refs/remotes/peer/main"));
        Git.Run(setup.Local.WorkDir, "fsck", "--full", "--strict");
    }

    [Fact]
    public async Task Fetch_RepositoryBackDuringTheLocalWait_HeldFetchRunsAtOnceNotWhenTheWaitEnds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var options = Options();
        options.LocalErrorRetryDelay = TimeSpan.FromHours(1);
        options.LocalErrorMaxRetryDelay = TimeSpan.FromHours(1);
        var view = new FakeMembershipView();
        var events = new SchedulerEvents();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var service = new SyncService(options, setup.Local.WorkDir, setup.RepoId, view, new FakePublisher(), time, NullLoggerFactory.Instance, events.Record);
        await service.StartAsync(ct);
        view.Set(setup.PeerMember(refsVersion: 1));
        var first = await events.FetchedAsync("peer");
        Assert.True(first.Ok, first.Error);
        var moved = setup.Local.WorkDir + "-moved";

        Directory.Move(setup.Local.WorkDir, moved);
        var commit = setup.Peer.Commit("while the repository is away");
        FetchSchedulerEvent hold;
        try
        {
            // The announcement's fetch fails on our side: every fetch now waits an hour.
            view.Set(setup.PeerMember(refsVersion: 2));
            var failed = await events.FetchedAsync("peer", occurrence: 2);
            Assert.StartsWith("local repository not found", failed.Error, StringComparison.Ordinal);
            hold = await events.WaitAsync(FetchSchedulerEventKind.LocalHoldArmed);
            Assert.Equal(TimeSpan.FromHours(1), hold.Due - hold.At);
        }
        finally
        {
            Directory.Move(moved, setup.Local.WorkDir);
        }

        // The ref watcher never looked while the repository was away (its poll is on this clock, which stood still):
        // its next read, one poll interval later, is what tells the scheduler it is back.
        Assert.Equal(0, events.Count(FetchSchedulerEventKind.LocalHoldEnded));
        time.Advance(options.RefPollInterval);
        var ended = await events.WaitAsync(FetchSchedulerEventKind.LocalHoldEnded);
        var fetched = await events.FetchedAsync("peer", occurrence: 3);

        Assert.True(ended.Ok);
        Assert.True(fetched.Ok, fetched.Error);
        Assert.True(time.GetUtcNow() < hold.Due, "the fetch waited for the hold to end");
        Assert.Equal(3, events.Count(FetchSchedulerEventKind.FetchStarted)); // no probe in between
        Assert.Equal(commit, setup.Local.RefTarget("refs/remotes/peer/main"));
        Assert.Equal("closed", service.GetStatus().Peers[0].Remotes[0].Breaker.State);
    }
}
