using PeerMesh.TestSupport.Mesh;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.Membership;
using PeerMesh.Sync.Fetching;
using PeerMesh.Sync.Remotes;
using PeerMesh.Sync.Status;
using PeerMesh.Sync.Tests.Support;
using PeerMesh.Sync.Trust;
using Xunit;

namespace PeerMesh.Sync.Tests.Fetching;

public sealed class FetchSchedulerTests : IAsyncDisposable
{
    private const string RepoId = "1111111111111111111111111111111111111111";
    private const string NodeA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string NodeB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeMembershipView _view = new();
    private readonly FakeFetcher _fetcher = new();
    private readonly SyncOptions _options = new()
    {
        FetchInterval = TimeSpan.FromSeconds(60),
        FetchJitter = 0.2,
        MaxConcurrentFetches = 4,
        RetryAttempts = 0,
    };

    private readonly Lock _trustGate = new();
    private readonly List<string> _trustValues = [];
    private int _trustReads;
    private TrustConfig? _trust;
    private FetchPipelines? _pipelines;
    private FetchScheduler? _scheduler;

    public async ValueTask DisposeAsync()
    {
        if (_scheduler is not null)
        {
            // Let anything still waiting finish so StopAsync does not wait on the test's fake fetches.
            foreach (var remote in new[] { "a", "b" })
            {
                while (_fetcher.Complete(remote))
                {
                }
            }

            await _scheduler.DisposeAsync();
        }

        _pipelines?.Dispose();
    }

    private static Member A(long version = 1, MemberState state = MemberState.Alive) =>
        FakeMembershipView.MakeMember(NodeA, "a", 9418, RepoId, version, state: state);

    private static Member B(long version = 1) => FakeMembershipView.MakeMember(NodeB, "b", 9418, RepoId, version);

    private async Task<FetchScheduler> StartAsync(params ManagedRemote[] existing) => await StartAsync(_view, existing);

    private async Task<FetchScheduler> StartAsync(IMembershipView view, params ManagedRemote[] existing)
    {
        _pipelines = new FetchPipelines(_options, _time);
        _scheduler = new FetchScheduler(
            _options,
            RepoId,
            view,
            new FakeRemotes(RepoId, existing),
            _fetcher,
            _fetcher,
            _pipelines,
            _time,
            NullLogger<FetchScheduler>.Instance,
            _trust);
        await _scheduler.StartAsync(TestContext.Current.CancellationToken);
        return _scheduler;
    }

    [Fact]
    public async Task Membership_PeerJoins_FetchedOnce()
    {
        var scheduler = await StartAsync();

        _view.Set(A());

        await Eventually.TrueAsync(() => _fetcher.Waiting("a") == 1, "fetch of a started");
        _fetcher.Complete("a");
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 1, "fetch of a done");
        _view.Set(A(), B(version: 1) with { Repos = [] });
        Assert.Equal(1, _fetcher.CallsFor("a"));
    }

    [Fact]
    public async Task Membership_RefsVersionRaised_FetchedAgain()
    {
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome(["refs/remotes/a/main"], [], 10);
        _view.Set(A(version: 1));
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 1, "join fetch");

        _view.Set(A(version: 2));

        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 2, "refs-changed fetch");
        Assert.Equal(2, _fetcher.CallsFor("a"));
    }

    [Fact]
    public async Task Membership_SameVersionAgain_NotFetched()
    {
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _view.Set(A(version: 3));
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 1, "join fetch");

        _view.Set(A(version: 3), B() with { Repos = [] });
        _view.Set(A(version: 3));
        var report = await scheduler.FetchNowAsync("nobody", TestContext.Current.CancellationToken);

        Assert.False(Assert.Single(report).Ok);
        Assert.Equal(1, _fetcher.CallsFor("a"));
    }

    [Fact]
    public async Task Triggers_WhileFetchRuns_CoalescedIntoOneMore()
    {
        var scheduler = await StartAsync();
        _view.Set(A(version: 1));
        await Eventually.TrueAsync(() => _fetcher.Waiting("a") == 1, "first fetch running");

        _view.Set(A(version: 2));
        _view.Set(A(version: 3));
        _view.Set(A(version: 4));
        await Eventually.TrueAsync(() => _view.Current.Version == 4, "snapshots applied");
        _fetcher.Complete("a");
        await Eventually.TrueAsync(() => _fetcher.Waiting("a") == 1, "second fetch running");
        _fetcher.Complete("a");
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 2, "second fetch done");

        Assert.Equal(2, _fetcher.CallsFor("a"));
        Assert.Equal(1, _fetcher.MaxInFlight);
    }

    [Fact]
    public async Task Concurrency_LimitOne_SecondPeerWaitsForSlot()
    {
        _options.MaxConcurrentFetches = 1;
        var scheduler = await StartAsync();

        _view.Set(A(), B());
        await Eventually.TrueAsync(() => _fetcher.InFlight == 1, "one fetch running");
        var first = Assert.Single(_fetcher.Calls);
        _fetcher.Complete(first);
        await Eventually.TrueAsync(() => _fetcher.Calls.Count == 2, "second fetch started");
        _fetcher.Complete(first == "a" ? "b" : "a");
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 2, "both done");

        Assert.Equal(1, _fetcher.MaxInFlight);
    }

    [Fact]
    public async Task GetStatus_FetchRunning_CarriesTheFetchersTransferAndNoneWhenIdle()
    {
        var scheduler = await StartAsync();
        var transfer = new FetchTransferStatus(1200, 5000, 3_565_158, 1_153_434, TimeSpan.FromSeconds(3));
        _fetcher.Transfers["a"] = transfer;

        _view.Set(A());
        await Eventually.TrueAsync(() => _fetcher.Waiting("a") == 1, "a fetching");
        var running = scheduler.GetStatus(null).Find(NodeA)!.Remotes[0];
        _fetcher.Complete("a");
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 1, "a done");
        var idle = scheduler.GetStatus(null).Find(NodeA)!.Remotes[0];

        Assert.True(running.InProgress);
        Assert.Equal(transfer, running.Progress);
        Assert.False(idle.InProgress);
        Assert.Null(idle.Progress);
    }

    [Fact]
    public async Task SlowPeer_NeverCompletes_OtherPeerStillFetched()
    {
        var scheduler = await StartAsync();
        _fetcher.Immediate["b"] = () => new FetchOutcome([], [], 0);

        _view.Set(A(), B());
        await Eventually.TrueAsync(() => _fetcher.Waiting("a") == 1, "a hangs");
        _view.Set(A(), B(version: 2));
        await Eventually.TrueAsync(() => _fetcher.CallsFor("b") == 2, "b fetched twice");

        var status = scheduler.GetStatus(null);
        Assert.True(status.Find(NodeA)!.Remotes[0].InProgress);
        Assert.True(status.Find(NodeB)!.Remotes[0].LastFetch!.Ok);
    }

    [Fact]
    public async Task Backstop_IntervalElapses_FetchedAgainWithinJitter()
    {
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _view.Set(A());
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 1, "join fetch");
        await Eventually.TrueAsync(() => scheduler.GetStatus(null).Peers[0].Remotes[0].NextFetch is not null, "next fetch planned");

        var next = scheduler.GetStatus(null).Peers[0].Remotes[0].NextFetch!.Value - _time.GetUtcNow();
        Assert.InRange(next, TimeSpan.FromSeconds(48), TimeSpan.FromSeconds(72));
        _time.Advance(TimeSpan.FromSeconds(47));
        Assert.Equal(1, _fetcher.CallsFor("a"));
        _time.Advance(TimeSpan.FromSeconds(26));

        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 2, "backstop fetch");
    }

    [Fact]
    public async Task LocalDiskFull_TriggersHeldRetriedWithDoublingDelayBreakerClosed_AllPeersResumeWhenSpaceIsBack()
    {
        _options.LocalErrorRetryDelay = TimeSpan.FromSeconds(5);
        _options.LocalErrorMaxRetryDelay = TimeSpan.FromSeconds(20);
        var scheduler = await StartAsync();
        var start = _time.GetUtcNow();
        var attempts = new System.Collections.Concurrent.ConcurrentQueue<double>();
        var full = true;
        _fetcher.Immediate["a"] = () =>
        {
            attempts.Enqueue((_time.GetUtcNow() - start).TotalSeconds);
            return Volatile.Read(ref full)
                ? throw new FetchFailedException(FetchErrorKind.LocalStorage, "disk full: write error: No space left on device")
                : new FetchOutcome([], [], 0);
        };
        _fetcher.Immediate["b"] = () => new FetchOutcome([], [], 0);
        RemoteSyncStatus RemoteA() => scheduler.GetStatus(null).Find(NodeA)!.Remotes[0];

        _view.Set(A(version: 1));
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 1, "join fetch failed");
        Assert.StartsWith("disk full: ", RemoteA().LastFetch!.Error, StringComparison.Ordinal);
        Assert.Equal(start + TimeSpan.FromSeconds(5), RemoteA().NextFetch);

        // While held, a new commit of a and a joining b ask for fetches: neither runs.
        _view.Set(A(version: 2), B());
        await Eventually.TrueAsync(() => scheduler.HeldTriggers == 2, "two triggers held");
        Assert.Equal((1, 0), (_fetcher.CallsFor("a"), _fetcher.CallsFor("b")));

        // The waits double: 5, 10, 20 s, then the cap of 20 s. One peer is tried each time, never b meanwhile.
        _time.Advance(TimeSpan.FromSeconds(5));
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 2, "retry after 5 s");
        Assert.Equal(start + TimeSpan.FromSeconds(15), RemoteA().NextFetch);
        _time.Advance(TimeSpan.FromSeconds(9));
        _view.Set(A(version: 3), B());
        await Eventually.TrueAsync(() => scheduler.HeldTriggers == 3, "third trigger held");
        Assert.Equal(2, _fetcher.CallsFor("a"));
        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 3, "retry after 10 s more");
        _time.Advance(TimeSpan.FromSeconds(20));
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 4, "retry after 20 s more");
        Assert.Equal(start + TimeSpan.FromSeconds(55), RemoteA().NextFetch);

        // Four failures in the breaker's window would open it, were they counted against the peer.
        Assert.Equal("closed", RemoteA().Breaker);
        Assert.Equal(0, _fetcher.CallsFor("b"));

        Volatile.Write(ref full, false);
        _time.Advance(TimeSpan.FromSeconds(20));

        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 6 && _fetcher.CallsFor("b") == 1, "a recovers, held b follows");
        Assert.Equal([0d, 5, 15, 35, 55], attempts);
        Assert.True(RemoteA().LastFetch!.Ok);
        Assert.True(scheduler.GetStatus(null).Find(NodeB)!.Remotes[0].LastFetch!.Ok);
        Assert.InRange(RemoteA().NextFetch!.Value - _time.GetUtcNow(), TimeSpan.FromSeconds(48), TimeSpan.FromSeconds(72));
    }

    [Fact]
    public async Task PeerGoesOffline_NoBackstopAndShownOffline_RemoteKept()
    {
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _view.Set(A());
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 1, "join fetch");

        _view.Set(A(state: MemberState.Dead));
        await Eventually.TrueAsync(() => !scheduler.GetStatus(null).Peers[0].Online, "offline");
        _time.Advance(TimeSpan.FromMinutes(10));

        var peer = Assert.Single(scheduler.GetStatus(null).Peers);
        Assert.Equal("a", peer.Remotes[0].Remote);
        Assert.Null(peer.Remotes[0].NextFetch);
        Assert.Equal(1, _fetcher.CallsFor("a"));
    }

    [Fact]
    public async Task PeerComesBack_FetchedAsJoin()
    {
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _view.Set(A());
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 1, "join fetch");
        _view.Set(A(state: MemberState.Dead));
        await Eventually.TrueAsync(() => !scheduler.GetStatus(null).Peers[0].Online, "offline");

        _view.Set(A());

        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 2, "rejoin fetch");
    }

    [Fact]
    public async Task ExistingManagedRemote_PeerOffline_ListedOffline()
    {
        var scheduler = await StartAsync(new ManagedRemote("old", NodeB, "git://10.0.0.1:9418/r"));

        var peer = Assert.Single(scheduler.GetStatus("d").Peers);

        Assert.Equal(NodeB, peer.NodeId);
        Assert.False(peer.Online);
        Assert.Equal("old", peer.Remotes[0].Remote);
        Assert.Null(peer.Remotes[0].LastFetch);
    }

    [Fact]
    public async Task FetchNowAsync_NamedRemote_ReturnsReportAndStatus()
    {
        var scheduler = await StartAsync();
        _view.Set(A());
        await Eventually.TrueAsync(() => _fetcher.Waiting("a") == 1, "join fetch running");
        _fetcher.Complete("a");

        var request = scheduler.FetchNowAsync("a", TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(() => _fetcher.Waiting("a") == 1, "explicit fetch running");
        _fetcher.Complete("a", new FetchOutcome(["refs/remotes/a/main"], [], 5));
        var report = Assert.Single(await request);

        Assert.Equal(new FetchReport("a", NodeA, true, null, 1), report);
        var remote = scheduler.GetStatus(null).Peers[0].Remotes[0];
        Assert.True(remote.LastFetch!.Ok);
        Assert.Equal(_time.GetUtcNow(), remote.LastFetch.At);
        Assert.Equal("main", remote.Branches.Single().Name);
    }

    [Fact]
    public async Task FetchFailure_ConnectionRefused_PlainErrorInStatus()
    {
        var scheduler = await StartAsync();
        _view.Set(A());
        await Eventually.TrueAsync(() => _fetcher.Waiting("a") == 1, "fetch running");

        _fetcher.Complete("a", error: new FetchFailedException(FetchErrorKind.ConnectionRefused, "connection refused"));

        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 1, "fetch done");
        var last = scheduler.GetStatus(null).Peers[0].Remotes[0].LastFetch!;
        Assert.False(last.Ok);
        Assert.Equal("connection refused", last.Error);
    }

    [Fact]
    public async Task FetchOutcome_Rewritten_FlaggedInStatus()
    {
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome(["refs/remotes/a/main"], ["refs/remotes/a/main"], 5);

        _view.Set(A());

        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 1, "fetch done");
        var remote = scheduler.GetStatus(null).Peers[0].Remotes[0];
        Assert.True(remote.Rewritten);
        Assert.Equal(["refs/remotes/a/main"], remote.RewrittenRefs);
    }

    [Fact]
    public async Task StopAsync_FetchWaiting_CancelledAndReturns()
    {
        var scheduler = await StartAsync();
        _view.Set(A());
        await Eventually.TrueAsync(() => _fetcher.Waiting("a") == 1, "fetch running");
        var request = scheduler.FetchNowAsync("a", TestContext.Current.CancellationToken);

        await scheduler.StopAsync();

        var report = Assert.Single(await request);
        Assert.False(report.Ok);
        Assert.StartsWith("cancelled", report.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MembershipViewThrows_LoopSurvivesAndRetries()
    {
        var flaky = new FlakyView(_view);
        var scheduler = await StartAsync(flaky);
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        await Eventually.TrueAsync(() => flaky.Calls == 1, "first wait failed");

        _view.Set(A());

        // The retry delay is armed right after the fault; advance until it has fired (each step is 1 s of fake time).
        await Eventually.TrueAsync(
            () =>
            {
                _time.Advance(TimeSpan.FromSeconds(1));
                return scheduler.CompletedFetches == 1;
            },
            "fetched after the fault");
    }

    /// <summary>Pins <c>peermesh.trust</c> to <paramref name="ids"/>, read by the scheduler like the git config.</summary>
    private void Trust(params string[] ids)
    {
        lock (_trustGate)
        {
            _trustValues.Clear();
            _trustValues.AddRange(ids);
        }

        _trust ??= new TrustConfig(
            () =>
            {
                lock (_trustGate)
                {
                    _trustReads++;
                    return [.. _trustValues];
                }
            },
            NullLogger.Instance);
    }

    /// <summary>Advances fake time by the refresh interval until the scheduler has read the trust list again.</summary>
    private async Task TrustReadAgainAsync()
    {
        int before;
        lock (_trustGate)
        {
            before = _trustReads;
        }

        // The refresh timer is armed by the loop when it goes back to waiting: step until it has fired.
        await Eventually.TrueAsync(
            () =>
            {
                lock (_trustGate)
                {
                    if (_trustReads > before)
                    {
                        return true;
                    }
                }

                _time.Advance(_options.TrustRefreshInterval);
                return false;
            },
            "trust list read again");
    }

    [Fact]
    public async Task Trust_OnlyAListed_AFetchedBNeverGivenARemote()
    {
        Trust(NodeA);
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _fetcher.Immediate["b"] = () => new FetchOutcome([], [], 0);

        _view.Set(A(), B());
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 1, "a fetched");
        _view.Set(A(version: 2), B(version: 2));
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 2, "a fetched again");

        Assert.Equal(0, _fetcher.CallsFor("b"));
        var status = scheduler.GetStatus(null);
        Assert.Equal(NodeA, Assert.Single(status.Peers).NodeId);
        Assert.False(status.IsTrusted(NodeB));
        Assert.True(status.IsTrusted(NodeA));
    }

    [Fact]
    public async Task Trust_AddedWhileRunning_FetchedAtTheNextRead()
    {
        Trust(NodeA);
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _fetcher.Immediate["b"] = () => new FetchOutcome([], [], 0);
        _view.Set(A(), B());
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 1, "a fetched");

        Trust(NodeA, NodeB.ToUpperInvariant());
        await TrustReadAgainAsync();

        await Eventually.TrueAsync(() => _fetcher.CallsFor("b") == 1, "b fetched once trusted");
        Assert.True(scheduler.GetStatus(null).Find(NodeB)!.Trusted);
    }

    [Fact]
    public async Task Trust_SnapshotsChangingFasterThanTheRefreshInterval_ListStillReadAgain()
    {
        Trust(NodeA);
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _fetcher.Immediate["b"] = () => new FetchOutcome([], [], 0);
        _view.Set(A(), B());
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 1, "a fetched");

        Trust(NodeA, NodeB);
        // A new snapshot every 500 ms of fake time: the loop never waits a whole interval without a change.
        for (var version = 2; _fetcher.CallsFor("b") == 0; version++)
        {
            Assert.True(version < 20, "the trust list was never read again");
            _time.Advance(TimeSpan.FromMilliseconds(500));
            _view.Set(A(version), B());
            await Eventually.TrueAsync(() => scheduler.CompletedFetches >= version, "snapshot applied");
        }
    }

    [Fact]
    public async Task Trust_RemovedWhileRunning_RemoteKeptButNeverFetched()
    {
        Trust(); // no list: everyone
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _fetcher.Immediate["b"] = () => new FetchOutcome([], [], 0);
        _view.Set(A(), B());
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 2, "both fetched");
        await Eventually.TrueAsync(() => scheduler.GetStatus(null).Find(NodeB)!.Remotes[0].NextFetch is not null, "b's backstop planned");

        Trust(NodeA);
        await TrustReadAgainAsync();
        await Eventually.TrueAsync(() => !scheduler.GetStatus(null).Find(NodeB)!.Trusted, "b no longer trusted");
        _view.Set(A(version: 2), B(version: 2));
        await Eventually.TrueAsync(() => _fetcher.CallsFor("a") == 2, "a fetched on its new version");
        _time.Advance(TimeSpan.FromMinutes(10)); // past any backstop
        var all = await scheduler.FetchNowAsync(null, TestContext.Current.CancellationToken);
        var named = Assert.Single(await scheduler.FetchNowAsync("b", TestContext.Current.CancellationToken));

        Assert.Equal(1, _fetcher.CallsFor("b"));
        Assert.Equal(["a"], all.Select(r => r.Remote));
        Assert.False(named.Ok);
        Assert.Equal($"not trusted: node {NodeB} is not in peermesh.trust", named.Error);
        var b = scheduler.GetStatus(null).Find(NodeB)!;
        Assert.Equal("b", b.Remotes[0].Remote); // kept, with whatever it fetched
        Assert.Null(b.Remotes[0].NextFetch);
        Assert.True(b.Online);
    }

    [Fact]
    public async Task Trust_InvalidValueAddedWhileRunning_PreviousListKept()
    {
        Trust(NodeA);
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _fetcher.Immediate["b"] = () => new FetchOutcome([], [], 0);
        _view.Set(A(), B());
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 1, "a fetched");

        Trust(NodeA, "nonsense");
        await TrustReadAgainAsync();
        _view.Set(A(version: 2), B(version: 2));
        await Eventually.TrueAsync(() => _fetcher.CallsFor("a") == 2, "a still fetched");

        Assert.Equal(0, _fetcher.CallsFor("b"));
        Assert.Equal([NodeA], scheduler.Trust.NodeIds);
    }

    [Fact]
    public async Task FetchNowAsync_UntrustedPeerWithoutRemote_RefusedByNameOrId()
    {
        Trust(NodeA);
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _view.Set(A(), B());
        await Eventually.TrueAsync(() => scheduler.CompletedFetches == 1, "a fetched");

        var byName = Assert.Single(await scheduler.FetchNowAsync("b", TestContext.Current.CancellationToken));
        var byId = Assert.Single(await scheduler.FetchNowAsync(NodeB, TestContext.Current.CancellationToken));

        Assert.Equal(new FetchReport("b", NodeB, false, $"not trusted: node {NodeB} is not in peermesh.trust", 0), byName);
        Assert.Equal(byName.Error, byId.Error);
        Assert.Equal(0, _fetcher.CallsFor("b"));
    }

    private sealed class FlakyView(FakeMembershipView inner) : IMembershipView
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public MembershipSnapshot Current => inner.Current;

        public ValueTask<MembershipSnapshot> WaitForChangeAsync(long afterVersion, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) == 1
                ? throw new InvalidOperationException("view broke")
                : inner.WaitForChangeAsync(afterVersion, cancellationToken);
    }
}
