using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Mesh;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Sync.Remotes;
using PeerMesh.Sync.Tests.Support;
using Xunit;

namespace PeerMesh.Sync.Tests;

/// <summary>The whole sync side on real repositories and a real git daemon, with the membership faked.</summary>
public sealed class SyncServiceTests
{
    private static SyncService Service(PeerSetup setup, FakeMembershipView view, FakePublisher publisher, SyncOptions? options = null) => new(
        options ?? PeerSetup.FastOptions(),
        setup.Local.WorkDir,
        setup.RepoId,
        view,
        publisher,
        TimeProvider.System,
        NullLoggerFactory.Instance);

    [Fact]
    public async Task PeerCommitsAndAnnounces_TrackingRefUpdated_LocalUntouched_AheadInStatus()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var view = new FakeMembershipView();
        var publisher = new FakePublisher();
        File.WriteAllText(Path.Combine(setup.Local.WorkDir, "untracked.txt"), "mine\n");
        var fingerprint = setup.Local.Fingerprint(includeConfig: false);
        await using var service = Service(setup, view, publisher);
        await service.StartAsync(ct);
        view.Set(setup.PeerMember("Peer Laptop", refsVersion: 1));
        await Eventually.TrueAsync(() => service.GetStatus().Peers.FirstOrDefault()?.Remotes[0].LastFetch is not null, "first fetch");

        var commit = setup.Peer.Commit("new work");
        Git.Run(setup.Peer.WorkDir, "branch", "topic");
        view.Set(setup.PeerMember("Peer Laptop", refsVersion: 2));

        await Eventually.TrueAsync(() => setup.Local.RefTarget("refs/remotes/peer-laptop/topic") == commit, "fast-path fetch");
        Assert.Equal(commit, setup.Local.RefTarget("refs/remotes/peer-laptop/main"));
        Assert.Equal(fingerprint, setup.Local.Fingerprint(includeConfig: false));
        await Eventually.TrueAsync(
            () => service.GetStatus().Peers[0].Remotes[0].Branches.Any(b => b is { Name: "main", Ahead: 1, Behind: 0 }),
            "ahead count");
        var remote = service.GetStatus().Peers[0].Remotes[0];
        Assert.Equal(setup.RepoId, remote.Repo);
        Assert.Equal("peer-laptop", remote.Remote);
        Assert.True(remote.LastFetch!.Ok);
        Assert.False(remote.Rewritten);
        Assert.Equal((setup.RepoId, service.LocalRefsDigest!), Assert.Single(publisher.Published));
    }

    [Fact]
    public async Task LocalCommit_Published_AndBehindCountUpdated()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var view = new FakeMembershipView();
        var publisher = new FakePublisher();
        await using var service = Service(setup, view, publisher);
        await service.StartAsync(ct);
        view.Set(setup.PeerMember());
        await Eventually.TrueAsync(() => service.GetStatus().Peers.FirstOrDefault()?.Remotes[0].LastFetch?.Ok == true, "first fetch");

        setup.Local.Commit("local work");

        await Eventually.TrueAsync(() => publisher.Published.Count == 2, "local change published");
        await Eventually.TrueAsync(
            () => service.GetStatus().Peers[0].Remotes[0].Branches.Any(b => b is { Name: "main", Ahead: 0, Behind: 1 }),
            "behind count");
    }

    [Fact]
    public async Task SilentPeerAndGoodPeer_SilentAbortedByWatchdog_GoodFetchedMeanwhile()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        await using var silent = new SilentServer();
        var view = new FakeMembershipView();
        await using var service = Service(setup, view, new FakePublisher());
        await service.StartAsync(ct);
        var commit = setup.Peer.Commit("for the good peer");
        var silentMember = FakeMembershipView.MakeMember("ffffffffffffffffffffffffffffffff", "silent", silent.Port, setup.RepoId, address: IPAddress.Loopback);

        view.Set(silentMember, setup.PeerMember("good"));

        await Eventually.TrueAsync(() => setup.Local.RefTarget("refs/remotes/good/main") == commit, "good peer fetched");
        var silentStatus = service.GetStatus().Find(silentMember.Id)!.Remotes[0];
        Assert.Null(silentStatus.LastFetch); // still hanging while the good one finished
        await Eventually.TrueAsync(() => service.GetStatus().Find(silentMember.Id)!.Remotes[0].LastFetch is not null, "watchdog", 30);
        var last = service.GetStatus().Find(silentMember.Id)!.Remotes[0].LastFetch!;
        Assert.False(last.Ok);
        Assert.Equal("no answer for 2 s", last.Error);
    }

    [Fact]
    public async Task PeerDown_ConnectionRefusedRetriedThenBreakerOpen()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var view = new FakeMembershipView();
        await using var service = Service(setup, view, new FakePublisher());
        await service.StartAsync(ct);
        view.Set(setup.PeerMember(port: GitDaemon.FreePort()));
        await Eventually.TrueAsync(() => service.GetStatus().Peers.FirstOrDefault()?.Remotes[0].LastFetch is not null, "first fetch");
        Assert.Equal("connection refused", service.GetStatus().Peers[0].Remotes[0].LastFetch!.Error);
        Assert.Equal("open", service.GetStatus().Peers[0].Remotes[0].Breaker);

        var report = Assert.Single(await service.FetchNowAsync("peer", ct));

        Assert.False(report.Ok);
        Assert.StartsWith("circuit open", report.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchNowAndForget_ManagedRemote_FetchedThenRemoved()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var view = new FakeMembershipView();
        await using var service = Service(setup, view, new FakePublisher());
        await service.StartAsync(ct);
        view.Set(setup.PeerMember());
        await Eventually.TrueAsync(() => service.GetStatus().Peers.FirstOrDefault()?.Remotes[0].LastFetch is not null, "first fetch");
        var commit = setup.Peer.Commit("explicit");

        var report = Assert.Single(await service.FetchNowAsync("peer", ct));
        Assert.True(report.Ok, report.Error);
        Assert.Equal(commit, setup.Local.RefTarget("refs/remotes/peer/main"));
        view.Set();
        await Eventually.TrueAsync(() => !service.GetStatus().Peers[0].Online, "peer offline");

        Assert.Equal(ForgetResult.Removed, service.Forget("peer"));
        Assert.Empty(service.GetStatus().Peers);
        Assert.Null(setup.Local.RefTarget("refs/remotes/peer/main"));
    }

    [Fact]
    public async Task Restart_ExistingManagedRemote_KeptAndShownOffline()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        setup.AddManagedRemote("old-peer");

        await using var service = Service(setup, new FakeMembershipView(), new FakePublisher());
        await service.StartAsync(ct);

        var peer = Assert.Single(service.GetStatus().Peers);
        Assert.False(peer.Online);
        Assert.Equal("old-peer", peer.Remotes[0].Remote);
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        var options = new SyncOptions { MaxConcurrentFetches = 0 };

        Assert.Throws<ArgumentOutOfRangeException>(() => new SyncService(
            options, Path.GetTempPath(), "x", new FakeMembershipView(), new FakePublisher(), TimeProvider.System, NullLoggerFactory.Instance));
    }

    [Fact]
    public async Task Trust_ListedPeerOnly_UnlistedAddedWhileRunningFetchedThenRemovedKeptButNotFetched()
    {
        const string GoodId = "9999aaaabbbbccccddddeeeeffff0000";
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        Git.Run(setup.Local.WorkDir, "config", "--add", "peermesh.trust", GoodId);
        var options = PeerSetup.FastOptions();
        options.TrustRefreshInterval = TimeSpan.FromMilliseconds(100);
        var view = new FakeMembershipView();
        await using var service = Service(setup, view, new FakePublisher(), options);
        await service.StartAsync(ct);
        var first = setup.Peer.Commit("first");
        var good = FakeMembershipView.MakeMember(GoodId, "good", setup.Daemon.Port, setup.RepoId, address: IPAddress.Loopback);

        // Both serve the same daemon; only "good" is listed. Its fetch comes from the snapshot that also holds the other.
        view.Set(good, setup.PeerMember("other"));
        await Eventually.TrueAsync(() => setup.Local.RefTarget("refs/remotes/good/main") == first, "listed peer fetched");
        Assert.Equal("good", Git.Run(setup.Local.WorkDir, "remote"));
        Assert.Null(setup.Local.RefTarget("refs/remotes/other/main"));
        Assert.False(service.GetStatus().IsTrusted(PeerSetup.NodeId));

        Git.Run(setup.Local.WorkDir, "config", "--add", "peermesh.trust", PeerSetup.NodeId.ToUpperInvariant());
        await Eventually.TrueAsync(() => setup.Local.RefTarget("refs/remotes/other/main") == first, "peer trusted while running, fetched");

        Git.Run(setup.Local.WorkDir, "config", "--unset", "peermesh.trust", PeerSetup.NodeId.ToUpperInvariant());
        await Eventually.TrueAsync(() => service.GetStatus().Find(PeerSetup.NodeId)?.Trusted == false, "trust removed while running");
        var second = setup.Peer.Commit("second");
        view.Set(FakeMembershipView.MakeMember(GoodId, "good", setup.Daemon.Port, setup.RepoId, refsVersion: 2, address: IPAddress.Loopback), setup.PeerMember("other", refsVersion: 2));
        await Eventually.TrueAsync(() => setup.Local.RefTarget("refs/remotes/good/main") == second, "listed peer fetched again");
        var refused = Assert.Single(await service.FetchNowAsync("other", ct));

        Assert.False(refused.Ok);
        Assert.Equal(first, setup.Local.RefTarget("refs/remotes/other/main")); // kept, not moved
        Assert.Equal(["good", "other"], Git.Run(setup.Local.WorkDir, "remote").Split('\n'));
        Assert.Equal($"not trusted: node {PeerSetup.NodeId} is not in peermesh.trust", refused.Error);
    }

    [Fact]
    public async Task Constructor_InvalidTrustValue_ThrowsNamingIt()
    {
        await using var setup = await PeerSetup.CreateAsync(TestContext.Current.CancellationToken);
        Git.Run(setup.Local.WorkDir, "config", "--add", "peermesh.trust", "nonsense");

        var error = Assert.Throws<FormatException>(() => Service(setup, new FakeMembershipView(), new FakePublisher()));

        Assert.StartsWith("invalid peermesh.trust 'nonsense'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MemberOfOtherRepo_NoRemoteCreated()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var view = new FakeMembershipView();
        await using var service = Service(setup, view, new FakePublisher());
        await service.StartAsync(ct);

        view.Set(FakeMembershipView.MakeMember("cc", "other", setup.Daemon.Port, "2222222222222222222222222222222222222222"));
        await service.FetchNowAsync(null, ct);

        Assert.Empty(service.GetStatus().Peers);
        Assert.Equal(string.Empty, Git.Run(setup.Local.WorkDir, "remote"));
    }

    [Fact]
    public async Task StartAsync_LockLeftByKilledFetch_RemovedSoNextFetchSucceeds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();
        var lockFile = Path.Combine(setup.Local.GitDir, "refs", "remotes", remote, "main.lock");
        Directory.CreateDirectory(Path.GetDirectoryName(lockFile)!);
        File.WriteAllText(lockFile, "killed\n");
        File.SetLastWriteTimeUtc(lockFile, DateTime.UtcNow.AddSeconds(-10));
        var commit = setup.Peer.Commit("after restart");
        await using var service = Service(setup, new FakeMembershipView(), new FakePublisher());

        await service.StartAsync(ct);
        var report = Assert.Single(await service.FetchNowAsync(remote, ct));

        Assert.False(File.Exists(lockFile));
        Assert.True(report.Ok, report.Error);
        Assert.Equal(commit, setup.Local.RefTarget($"refs/remotes/{remote}/main"));
        Git.Run(setup.Local.WorkDir, "fsck", "--full");
    }

    [Fact]
    public async Task UserGitCommandsDuringFetches_NoCorruption_UserWorkKept()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var view = new FakeMembershipView();
        await using var service = Service(setup, view, new FakePublisher());
        await service.StartAsync(ct);
        view.Set(setup.PeerMember());
        await Eventually.TrueAsync(() => service.GetStatus().Peers.FirstOrDefault()?.Remotes[0].LastFetch is not null, "first fetch");

        var user = Task.Run(
            () =>
            {
                string last = string.Empty;
                for (var i = 0; i < 8; i++)
                {
                    last = setup.Local.Commit($"user {i}");
                    Git.Run(setup.Local.WorkDir, i % 2 == 0 ? "pack-refs" : "gc", i % 2 == 0 ? "--all" : "--quiet");
                }

                return last;
            },
            ct);
        string peerTip = string.Empty;
        for (var i = 0; i < 8; i++)
        {
            peerTip = setup.Peer.Commit($"peer {i}");
            await service.FetchNowAsync("peer", ct);
        }

        var userTip = await user;
        var report = Assert.Single(await service.FetchNowAsync("peer", ct));

        Assert.True(report.Ok, report.Error);
        Assert.Equal(userTip, setup.Local.RefTarget("refs/heads/main"));
        Assert.Equal(peerTip, setup.Local.RefTarget("refs/remotes/peer/main"));
        Git.Run(setup.Local.WorkDir, "fsck", "--full", "--strict");
    }
}
