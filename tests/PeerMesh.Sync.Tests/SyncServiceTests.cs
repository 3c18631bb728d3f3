using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Mesh;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Sync.Fetching;
using PeerMesh.Sync.Remotes;
using PeerMesh.Sync.Tests.Support;
using Xunit;
using Kind = PeerMesh.Sync.Fetching.FetchSchedulerEventKind;

namespace PeerMesh.Sync.Tests;

/// <summary>
/// The whole sync side on real repositories and a real git daemon, with the membership faked, on the real clock
/// (the watchdog and Polly's retries run for real). Tests wait for the scheduler's known points (a fetch completed,
/// a snapshot applied, the trust list read), not for time.
/// </summary>
public sealed class SyncServiceTests
{
    private readonly SchedulerEvents _events = new();

    private SyncService Service(PeerSetup setup, FakeMembershipView view, FakePublisher publisher, SyncOptions? options = null) => new(
        options ?? PeerSetup.FastOptions(),
        setup.Local.WorkDir,
        setup.RepoId,
        view,
        publisher,
        TimeProvider.System,
        NullLoggerFactory.Instance,
        _events.Record);

    /// <summary>Sets the view and waits until the scheduler has applied that snapshot (or a later one).</summary>
    private async Task SetAsync(FakeMembershipView view, params PeerMesh.Mesh.Membership.Member[] members)
    {
        view.Set(members);
        var version = view.Current.Version;
        await _events.WaitAsync(Kind.MembershipApplied, where: e => e.Version >= version);
    }

    [Fact]
    public async Task PeerCommitsAndAnnounces_TrackingRefUpdated_LocalUntouched_AheadInStatus()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var view = new FakeMembershipView();
        var publisher = new FakePublisher();
        await File.WriteAllTextAsync(Path.Combine(setup.Local.WorkDir, "untracked.txt"), "mine\n", ct);
        var fingerprint = setup.Local.Fingerprint(includeConfig: false);
        await using var service = Service(setup, view, publisher);
        await service.StartAsync(ct);
        view.Set(setup.PeerMember("Peer Laptop", refsVersion: 1));
        await _events.FetchedAsync("peer-laptop");

        var commit = setup.Peer.Commit("new work");
        Git.Run(setup.Peer.WorkDir, "branch", "topic");
        view.Set(setup.PeerMember("Peer Laptop", refsVersion: 2));

        var fast = await _events.FetchedAsync("peer-laptop", occurrence: 2);
        Assert.True(fast.Ok, fast.Error);
        Assert.Equal(FetchTrigger.RefsChanged, _events.TriggersOf("peer-laptop")[^1]);
        Assert.Equal(commit, setup.Local.RefTarget("refs/remotes/peer-laptop/topic"));
        Assert.Equal(commit, setup.Local.RefTarget("refs/remotes/peer-laptop/main"));
        Assert.Equal(fingerprint, setup.Local.Fingerprint(includeConfig: false));
        var remote = service.GetStatus().Peers[0].Remotes[0];
        Assert.Contains(remote.Branches, b => b is { Name: "main", Ahead: 1, Behind: 0 });
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
        var first = await _events.FetchedAsync("peer");
        Assert.True(first.Ok, first.Error);
        var refreshed = _events.Count(Kind.BranchesRefreshed);

        setup.Local.Commit("local work");

        // Each move of our branches is published and then recomputed (the watcher's events, or its 1 s poll): the
        // first recomputation that began after the commit shows it.
        bool Behind() => service.GetStatus().Peers[0].Remotes[0].Branches.Any(b => b is { Name: "main", Ahead: 0, Behind: 1 });
        while (!Behind())
        {
            await _events.WaitAsync(Kind.BranchesRefreshed, occurrence: ++refreshed);
        }

        Assert.Equal(2, publisher.Published.Count);
    }

    [Fact]
    public async Task SilentPeerAndGoodPeer_SilentAbortedByWatchdog_GoodFetchedMeanwhile()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        await using var silent = new SilentServer();
        var view = new FakeMembershipView();

        // A real watchdog on a real socket; 5 s leaves the good fetch room on a loaded machine.
        var options = PeerSetup.FastOptions();
        options.WatchdogTimeout = TimeSpan.FromSeconds(5);
        await using var service = Service(setup, view, new FakePublisher(), options);
        await service.StartAsync(ct);
        var commit = setup.Peer.Commit("for the good peer");
        var silentMember = FakeMembershipView.MakeMember("ffffffffffffffffffffffffffffffff", "silent", silent.Port, setup.RepoId, address: IPAddress.Loopback);

        view.Set(silentMember, setup.PeerMember("good"));

        var good = await _events.FetchedAsync("good");
        Assert.True(good.Ok, good.Error);
        Assert.Equal(commit, setup.Local.RefTarget("refs/remotes/good/main"));
        var silentStatus = service.GetStatus().Find(silentMember.Id)!.Remotes[0];
        Assert.Null(silentStatus.LastFetch); // still hanging while the good one finished
        Assert.True(silentStatus.InProgress);
        var last = await _events.FetchedAsync("silent");
        Assert.False(last.Ok);
        Assert.Equal("no answer for 5 s", last.Error);
        Assert.Equal(last.Error, service.GetStatus().Find(silentMember.Id)!.Remotes[0].LastFetch!.Error);
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
        Assert.Equal("connection refused", (await _events.FetchedAsync("peer")).Error);
        Assert.Equal("connection refused", service.GetStatus().Peers[0].Remotes[0].LastFetch!.Error);
        var breaker = service.GetStatus().Peers[0].Remotes[0].Breaker;
        Assert.Equal("open", breaker.State);
        Assert.True(breaker.Failures > 0, $"{breaker.Failures} failures");
        Assert.True(breaker.RetryAt > service.GetStatus().Peers[0].Remotes[0].LastFetch!.At, $"retry at {breaker.RetryAt}");

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
        await _events.FetchedAsync("peer");
        var commit = setup.Peer.Commit("explicit");

        var report = Assert.Single(await service.FetchNowAsync("peer", ct));
        Assert.True(report.Ok, report.Error);
        Assert.Equal(commit, setup.Local.RefTarget("refs/remotes/peer/main"));
        await SetAsync(view);
        Assert.False(service.GetStatus().Peers[0].Online);

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
        options.RefPollInterval = TimeSpan.FromHours(1); // the config's file events, not the safety poll, bring the change
        var view = new FakeMembershipView();
        await using var service = Service(setup, view, new FakePublisher(), options);
        await service.StartAsync(ct);
        var first = setup.Peer.Commit("first");
        var good = FakeMembershipView.MakeMember(GoodId, "good", setup.Daemon.Port, setup.RepoId, address: IPAddress.Loopback);

        // Both serve the same daemon; only "good" is listed. Its fetch comes from the snapshot that also holds the other.
        view.Set(good, setup.PeerMember("other"));
        Assert.True((await _events.FetchedAsync("good")).Ok);
        Assert.Equal(first, setup.Local.RefTarget("refs/remotes/good/main"));
        Assert.Equal("good", Git.Run(setup.Local.WorkDir, "remote"));
        Assert.Null(setup.Local.RefTarget("refs/remotes/other/main"));
        Assert.False(service.GetStatus().IsTrusted(PeerSetup.NodeId));

        // `git config` renames config.lock onto config: the event makes the list read again; that read is the known point.
        Git.Run(setup.Local.WorkDir, "config", "--add", "peermesh.trust", PeerSetup.NodeId.ToUpperInvariant());
        await _events.WaitAsync(Kind.TrustRead, where: e => e.Ok);
        Assert.True((await _events.FetchedAsync("other")).Ok);
        Assert.Equal(first, setup.Local.RefTarget("refs/remotes/other/main"));

        Git.Run(setup.Local.WorkDir, "config", "--unset", "peermesh.trust", PeerSetup.NodeId.ToUpperInvariant());
        var removed = await _events.WaitAsync(Kind.TrustRead, occurrence: 2, where: e => e.Ok);
        await _events.WaitAsync(Kind.MembershipApplied, after: removed);
        Assert.False(service.GetStatus().Find(PeerSetup.NodeId)!.Trusted);
        var second = setup.Peer.Commit("second");
        view.Set(FakeMembershipView.MakeMember(GoodId, "good", setup.Daemon.Port, setup.RepoId, refsVersion: 2, address: IPAddress.Loopback), setup.PeerMember("other", refsVersion: 2));
        Assert.True((await _events.FetchedAsync("good", occurrence: 2)).Ok);
        Assert.Equal(second, setup.Local.RefTarget("refs/remotes/good/main"));
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

        await SetAsync(view, FakeMembershipView.MakeMember("cc", "other", setup.Daemon.Port, "2222222222222222222222222222222222222222"));
        Assert.Empty(await service.FetchNowAsync(null, ct));

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
        await File.WriteAllTextAsync(lockFile, "killed\n", ct);
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
        await _events.FetchedAsync("peer");

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
