using PeerMesh.TestSupport.Mesh;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Sync.Tests.Support;
using Xunit;

namespace PeerMesh.Sync.Tests.Hostile;

/// <summary>HOSTILE-INPUTS 35 on <see cref="SyncService"/>: the local repository moved away while the node runs.</summary>
public sealed class RepositoryVanishesTests
{
    [Fact]
    public async Task Fetch_RepositoryMovedAway_ClearErrorServiceSurvivesAndRecoversWhenBack()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var view = new FakeMembershipView();
        await using var service = new SyncService(PeerSetup.FastOptions(), setup.Local.WorkDir, setup.RepoId, view, new FakePublisher(), TimeProvider.System, NullLoggerFactory.Instance);
        await service.StartAsync(ct);
        view.Set(setup.PeerMember(refsVersion: 1));
        await Eventually.TrueAsync(() => service.GetStatus().Peers.FirstOrDefault()?.Remotes[0].LastFetch?.Ok == true, "first fetch");
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
        Assert.Equal("closed", service.GetStatus().Peers[0].Remotes[0].Breaker);
        Assert.Equal(commit, setup.Local.RefTarget("refs/remotes/peer/main"));
        Git.Run(setup.Local.WorkDir, "fsck", "--full", "--strict");
    }

    [Fact]
    public async Task Fetch_RepositoryBackDuringTheLocalWait_HeldFetchRunsAtOnceNotWhenTheWaitEnds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var options = PeerSetup.FastOptions();
        options.LocalErrorRetryDelay = TimeSpan.FromMinutes(5);
        options.LocalErrorMaxRetryDelay = TimeSpan.FromMinutes(5);
        var view = new FakeMembershipView();
        await using var service = new SyncService(options, setup.Local.WorkDir, setup.RepoId, view, new FakePublisher(), TimeProvider.System, NullLoggerFactory.Instance);
        await service.StartAsync(ct);
        view.Set(setup.PeerMember(refsVersion: 1));
        await Eventually.TrueAsync(() => service.GetStatus().Peers.FirstOrDefault()?.Remotes[0].LastFetch?.Ok == true, "first fetch");
        var moved = setup.Local.WorkDir + "-moved";

        Directory.Move(setup.Local.WorkDir, moved);
        var commit = setup.Peer.Commit("while the repository is away");
        try
        {
            // The announcement's fetch fails on our side: every fetch now waits 5 minutes.
            view.Set(setup.PeerMember(refsVersion: 2));
            await Eventually.TrueAsync(() => service.GetStatus().Peers[0].Remotes[0].LastFetch?.Ok == false, "fetch failed locally");
            Assert.StartsWith("local repository not found", service.GetStatus().Peers[0].Remotes[0].LastFetch!.Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Move(moved, setup.Local.WorkDir);
        }

        // The ref watcher's poll (1 s) sees the repository again and ends the wait: the held fetch runs now.
        await Eventually.TrueAsync(() => setup.Local.RefTarget("refs/remotes/peer/main") == commit, "commit fetched once the repository is back");
        Assert.Equal("closed", service.GetStatus().Peers[0].Remotes[0].Breaker);
    }
}
