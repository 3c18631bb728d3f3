using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Sync.Fetching;
using PeerMesh.Sync.Status;
using PeerMesh.Sync.Tests.Support;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Sync.Tests.Hostile;

/// <summary>HOSTILE 47: thousands of made-up node ids serving the project, through the whole sync side.</summary>
public sealed class ManyNodeIdsTests
{
    [Fact]
    public async Task Sync_TwoThousandNodeIdsServeTheProject_RemotesAndFetchStateCappedStatusSaysSo()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var view = new FakeMembershipView();
        var options = PeerSetup.FastOptions();
        // Nothing listens there: each capped peer's first fetch is refused at once.
        var members = MadeUpNodes.Serving(setup.RepoId, 2000, GitDaemon.FreePort(), IPAddress.Loopback);
        var events = new SchedulerEvents();
        await using var service = new SyncService(
            options, setup.Local.WorkDir, setup.RepoId, view, new FakePublisher(), TimeProvider.System, NullLoggerFactory.Instance, events.Record);
        await service.StartAsync(ct);

        view.Set(members);

        // The known point: the snapshot with the 2000 members applied with the remotes updated (the reconciliation
        // that reached the cap, then the scheduler taking the remotes, in one step).
        await events.WaitAsync(FetchSchedulerEventKind.MembershipApplied, where: e => e.Version == view.Current.Version && e.Ok);
        var status = service.GetStatus();
        Assert.Equal(new RemoteCapStatus(SyncOptions.DefaultMaxManagedRemotes, SyncOptions.DefaultMaxManagedRemotes, 2000 - SyncOptions.DefaultMaxManagedRemotes), status.RemoteCap);
        // The scheduler keeps state only for managed remotes: 64 peers in status, not 2000.
        Assert.Equal(SyncOptions.DefaultMaxManagedRemotes, status.Peers.Length);
        Assert.Equal(SyncOptions.DefaultMaxManagedRemotes, Git.Run(setup.Local.WorkDir, "remote").Split('\n').Length);
    }
}
