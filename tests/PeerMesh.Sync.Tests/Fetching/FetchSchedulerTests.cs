using System.Net;
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
using Kind = PeerMesh.Sync.Fetching.FetchSchedulerEventKind;

namespace PeerMesh.Sync.Tests.Fetching;

/// <summary>
/// The scheduler on a fake clock with fake membership, remotes and fetcher. Every wait is for a known point (a
/// scheduler event, a fetch waiting in the fake fetcher); the clock is advanced only once the timer it is meant to
/// fire is known to be armed, and timers fire synchronously inside <see cref="FakeTimeProvider.Advance"/>.
/// </summary>
public sealed class FetchSchedulerTests : IAsyncDisposable
{
    private const string RepoId = "1111111111111111111111111111111111111111";
    private const string NodeA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string NodeB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    // Issue 12 item 14: a's address before and after a move (a laptop on another network, a new DHCP lease).
    private const string UrlBefore = "git://198.18.0.2:9418/repo";
    private const string UrlAfter = "git://198.18.0.101:9418/repo";
    private static readonly IPAddress s_before = IPAddress.Parse("198.18.0.2");
    private static readonly IPAddress s_after = IPAddress.Parse("198.18.0.101");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeMembershipView _view = new();
    private readonly FakeFetcher _fetcher = new();
    private readonly SchedulerEvents _events = new();
    private readonly SyncOptions _options = new()
    {
        FetchInterval = TimeSpan.FromSeconds(60),
        FetchJitter = 0.2,
        MaxConcurrentFetches = 4,
        RetryAttempts = 0,
    };

    private readonly Lock _trustGate = new();
    private readonly List<string> _trustValues = [];
    private TrustConfig? _trust;
    private Func<double>? _random;
    private Func<string, string, bool>? _holdsNothingNew;
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

    private static Member AAt(IPAddress address, long version = 1) =>
        FakeMembershipView.MakeMember(NodeA, "a", 9418, RepoId, version, address: address);

    private static FetchFailedException ConnectTimedOut() =>
        new(FetchErrorKind.NoAnswer, "no answer to connect for 10 s");

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
            _trust,
            _events.Record,
            _random,
            _holdsNothingNew);
        await _scheduler.StartAsync(TestContext.Current.CancellationToken);
        return _scheduler;
    }

    /// <summary>Sets the view and waits until the scheduler has applied that snapshot (or a later one).</summary>
    private async Task SetAsync(params Member[] members)
    {
        _view.Set(members);
        var version = _view.Current.Version;
        await _events.WaitAsync(Kind.MembershipApplied, where: e => e.Version >= version);
    }

    private int Triggers(string remote) => _events.TriggersOf(remote).Count;

    [Fact]
    public async Task Membership_PeerJoins_FetchedOnce()
    {
        await StartAsync();

        _view.Set(A());

        await _fetcher.WaitingAsync("a");
        _fetcher.Complete("a");
        await _events.FetchedAsync("a");
        await SetAsync(A(), B(version: 1) with { Repos = [] });
        Assert.Equal(1, Triggers("a"));
        Assert.Equal(1, _fetcher.CallsFor("a"));
    }

    [Fact]
    public async Task Membership_RefsVersionRaised_FetchedAgain()
    {
        await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome(["refs/remotes/a/main"], [], 10);
        _view.Set(A(version: 1));
        await _events.FetchedAsync("a");

        _view.Set(A(version: 2));

        var second = await _events.WaitAsync(Kind.FetchCompleted, "a", occurrence: 2);
        Assert.Equal(2, _fetcher.CallsFor("a"));
        Assert.Equal([FetchTrigger.Joined, FetchTrigger.RefsChanged], _events.TriggersOf("a"));
        Assert.True(second.Report!.Ok);
    }

    [Fact]
    public async Task Membership_RefsVersionRaisedButThePeerHoldsNothingNew_NotFetchedUntilItDoes()
    {
        var nothingNew = true;
        var asked = new List<(string Peer, string Digest)>();
        _holdsNothingNew = (peer, digest) =>
        {
            asked.Add((peer, digest));
            return nothingNew;
        };
        await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _view.Set(A(version: 1));
        await _events.FetchedAsync("a"); // a peer that joins is fetched whatever it announces

        _view.Set(A(version: 2));
        await _events.WaitAsync(Kind.NothingNew, "a");
        await SetAsync(A(version: 2), B(version: 1) with { Repos = [] });
        Assert.Equal(1, _fetcher.CallsFor("a"));
        Assert.Equal([(NodeA, "digest")], asked);

        nothingNew = false;
        _view.Set(A(version: 3));
        await _events.WaitAsync(Kind.FetchCompleted, "a", occurrence: 2);
        Assert.Equal([FetchTrigger.Joined, FetchTrigger.RefsChanged], _events.TriggersOf("a"));
    }

    [Fact]
    public async Task Membership_SameVersionAgain_NotFetched()
    {
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _view.Set(A(version: 3));
        await _events.FetchedAsync("a");

        await SetAsync(A(version: 3), B() with { Repos = [] });
        await SetAsync(A(version: 3));
        var report = await scheduler.FetchNowAsync("nobody", TestContext.Current.CancellationToken);

        Assert.False(Assert.Single(report).Ok);
        Assert.Equal(1, Triggers("a"));
        Assert.Equal(1, _fetcher.CallsFor("a"));
    }

    [Fact]
    public async Task Triggers_WhileFetchRuns_CoalescedIntoOneMore()
    {
        await StartAsync();
        _view.Set(A(version: 1));
        await _fetcher.WaitingAsync("a");

        _view.Set(A(version: 2));
        _view.Set(A(version: 3));
        await SetAsync(A(version: 4));
        _fetcher.Complete("a");
        await _fetcher.WaitingAsync("a", call: 2);
        _fetcher.Complete("a");
        await _events.WaitAsync(Kind.FetchCompleted, "a", occurrence: 2);
        await _events.WaitAsync(Kind.WorkerIdle, "a");

        Assert.Equal(2, _fetcher.CallsFor("a"));
        Assert.Equal(1, _fetcher.MaxInFlight);
        Assert.Single(_events.Of(Kind.Triggered, "a"));
        Assert.InRange(_events.Count(Kind.Coalesced, "a"), 1, 3);
    }

    [Fact]
    public async Task Concurrency_LimitOne_SecondPeerWaitsForSlot()
    {
        _options.MaxConcurrentFetches = 1;
        await StartAsync();

        _view.Set(A(), B());
        var first = (await _events.WaitAsync(Kind.FetchStarted)).Remote!;
        var second = first == "a" ? "b" : "a";
        await _fetcher.WaitingAsync(first);
        await _events.WaitAsync(Kind.Triggered, second);
        Assert.Equal(1, _events.Count(Kind.FetchStarted));
        _fetcher.Complete(first);
        await _fetcher.WaitingAsync(second);
        _fetcher.Complete(second);
        await _events.FetchedAsync(second);

        Assert.Equal([first, second], _events.Of(Kind.FetchStarted).Select(e => e.Remote));
        Assert.Equal(1, _fetcher.MaxInFlight);
    }

    [Fact]
    public async Task GetStatus_FetchRunning_CarriesTheFetchersTransferAndNoneWhenIdle()
    {
        var scheduler = await StartAsync();
        var transfer = new FetchTransferStatus(1200, 5000, 3_565_158, 1_153_434, TimeSpan.FromSeconds(3));
        _fetcher.Transfers["a"] = transfer;

        _view.Set(A());
        await _fetcher.WaitingAsync("a");
        var running = scheduler.GetStatus(null).Find(NodeA)!.Remotes[0];
        _fetcher.Complete("a");
        await _events.FetchedAsync("a");
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
        await _fetcher.WaitingAsync("a");

        // b's first fetch must have run before b announces again: an announcement that comes while b's worker has
        // not yet started its fetch is served by that fetch (coalesced, correctly), and b is fetched once, not twice.
        await _events.FetchedAsync("b");
        _view.Set(A(), B(version: 2));
        await _events.WaitAsync(Kind.FetchCompleted, "b", occurrence: 2);

        var status = scheduler.GetStatus(null);
        Assert.Equal(2, _fetcher.CallsFor("b"));
        Assert.True(status.Find(NodeA)!.Remotes[0].InProgress);
        Assert.True(status.Find(NodeB)!.Remotes[0].LastFetch!.Ok);
    }

    /// <summary>
    /// Issue 12 item 14: the fetch a commit triggers hangs in connect at the address the peer just left; the membership
    /// then moves the peer. The hanging fetch is cancelled, runs again at once at the new address, and the breaker,
    /// which already holds one real failure, does not count the move: a second failure would open it (2 of 2).
    /// </summary>
    [Fact]
    public async Task Move_FetchHangingAtTheOldAddress_CancelledAndRunAgainAtOnceAtTheNewAddressBreakerClosed()
    {
        _options.BreakerMinimumThroughput = 2;
        var scheduler = await StartAsync();
        _view.Set(AAt(s_before, version: 1));
        await _fetcher.WaitingAsync("a");
        _fetcher.Complete("a", error: ConnectTimedOut());
        Assert.False((await _events.FetchedAsync("a")).Ok);
        _view.Set(AAt(s_before, version: 2));
        await _fetcher.WaitingAsync("a", call: 2);

        _view.Set(AAt(s_after, version: 2));

        var moved = await _events.WaitAsync(Kind.PeerMoved, "a");
        Assert.True(moved.Ok); // a fetch at the old address was cancelled for it
        Assert.Equal(UrlAfter, moved.Url);
        var restarted = await _events.WaitAsync(Kind.FetchRestarted, "a");
        Assert.Equal(UrlAfter, restarted.Url);
        await _fetcher.WaitingAsync("a", call: 3);
        _fetcher.Complete("a", new FetchOutcome(["refs/remotes/a/main"], [], 10));
        var report = await _events.FetchedAsync("a", occurrence: 2);

        Assert.True(report.Ok, report.Error);
        Assert.Equal([UrlBefore, UrlBefore, UrlAfter], _fetcher.UrlsFor("a"));
        Assert.Equal([UrlBefore, UrlBefore, UrlAfter], _events.Of(Kind.FetchStarted, "a").Select(e => e.Url));
        Assert.Equal(2, _events.Count(Kind.FetchCompleted, "a")); // the cancelled one is no result of the peer's
        Assert.Equal([FetchTrigger.Joined, FetchTrigger.RefsChanged, FetchTrigger.Moved], _events.TriggersOf("a"));
        var remote = scheduler.GetStatus(null).Find(NodeA)!.Remotes[0];
        Assert.Equal("closed", remote.Breaker.State);
        Assert.Equal(UrlAfter, remote.Url);
        Assert.True(remote.LastFetch!.Ok);
        Assert.Equal(_time.GetUtcNow(), remote.LastFetch.At); // at once: the clock never moved
    }

    /// <summary>
    /// The attempt at the old address does not see the cancellation (libgit2 in a connect) and fails on its own after
    /// the move was known: that failure is the move's, not the peer's. Not counted by the breaker (which would open at
    /// 2 of 2), not retried by Polly after its delay (the clock stands still), not recorded as the last fetch.
    /// </summary>
    [Fact]
    public async Task Move_AttemptAtTheOldAddressFailsAfterTheMove_NotCountedNotRetriedRunAgainAtOnceAtTheNewAddress()
    {
        _options.BreakerMinimumThroughput = 2;
        _options.RetryAttempts = 2;
        _fetcher.IgnoresCancellation["a"] = true;
        var scheduler = await StartAsync();
        _view.Set(AAt(s_before, version: 1));
        await _fetcher.WaitingAsync("a");
        _fetcher.Complete("a", error: ConnectTimedOut());
        await _events.FetchedAsync("a");
        _view.Set(AAt(s_before, version: 2));
        await _fetcher.WaitingAsync("a", call: 2);

        await SetAsync(AAt(s_after, version: 2));
        await _events.WaitAsync(Kind.PeerMoved, "a");
        _fetcher.Complete("a", error: new FetchFailedException(FetchErrorKind.NetworkError, "host unreachable"));

        await _events.WaitAsync(Kind.FetchRestarted, "a");
        await _fetcher.WaitingAsync("a", call: 3);
        _fetcher.Complete("a");
        var report = await _events.FetchedAsync("a", occurrence: 2);

        Assert.True(report.Ok, report.Error);
        Assert.Equal([UrlBefore, UrlBefore, UrlAfter], _fetcher.UrlsFor("a"));
        Assert.Equal("closed", scheduler.GetStatus(null).Find(NodeA)!.Remotes[0].Breaker.State);
        Assert.Equal(2, _events.Count(Kind.FetchCompleted, "a"));
    }

    /// <summary>A fetch that failed at the old address before the move was known: the move fetches at once, not the backstop.</summary>
    [Fact]
    public async Task Move_AfterAFetchFailedAtTheOldAddress_FetchedAtOnceAtTheNewAddress()
    {
        var scheduler = await StartAsync();
        _view.Set(AAt(s_before));
        await _fetcher.WaitingAsync("a");
        _fetcher.Complete("a", error: ConnectTimedOut());
        await _events.WaitAsync(Kind.BackstopArmed, "a");

        _view.Set(AAt(s_after));

        var moved = await _events.WaitAsync(Kind.PeerMoved, "a");
        Assert.False(moved.Ok); // nothing was running to cancel
        await _fetcher.WaitingAsync("a", call: 2);
        _fetcher.Complete("a");
        Assert.True((await _events.FetchedAsync("a", occurrence: 2)).Ok);
        Assert.Equal([FetchTrigger.Joined, FetchTrigger.Moved], _events.TriggersOf("a"));
        Assert.Equal([UrlBefore, UrlAfter], _fetcher.UrlsFor("a"));
        Assert.Equal(_time.GetUtcNow(), scheduler.GetStatus(null).Find(NodeA)!.Remotes[0].LastFetch!.At);
    }

    /// <summary>A fetch asked for before the move but started after it (it waited for a slot) goes to the new address only.</summary>
    [Fact]
    public async Task Move_WhileTheFetchWaitsForASlot_EveryAttemptGoesToTheNewAddress()
    {
        _options.MaxConcurrentFetches = 1;
        await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _view.Set(B());
        await _fetcher.WaitingAsync("b");
        await SetAsync(B(), AAt(s_before));
        await _events.WaitAsync(Kind.Triggered, "a");

        await SetAsync(B(), AAt(s_after));
        _fetcher.Complete("b");

        await _events.FetchedAsync("a");
        await _events.WaitAsync(Kind.WorkerIdle, "a");
        Assert.NotEmpty(_fetcher.UrlsFor("a"));
        Assert.All(_fetcher.UrlsFor("a"), url => Assert.Equal(UrlAfter, url));
        Assert.Equal(0, _events.Count(Kind.FetchRestarted));
    }

    [Fact]
    public async Task Backstop_IntervalElapses_FetchedAgainWithinJitter()
    {
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _view.Set(A());
        var armed = await _events.WaitAsync(Kind.BackstopArmed, "a");

        var next = scheduler.GetStatus(null).Peers[0].Remotes[0].NextFetch!.Value - _time.GetUtcNow();
        Assert.Equal(armed.Due, scheduler.GetStatus(null).Peers[0].Remotes[0].NextFetch);
        Assert.InRange(next, TimeSpan.FromSeconds(48), TimeSpan.FromSeconds(72));
        _time.Advance(TimeSpan.FromSeconds(47));
        Assert.Equal(1, Triggers("a")); // the timer fires inside Advance: had it been due, the trigger would be here
        _time.Advance(TimeSpan.FromSeconds(26));

        Assert.Equal([FetchTrigger.Joined, FetchTrigger.Backstop], _events.TriggersOf("a"));
        await _events.WaitAsync(Kind.FetchCompleted, "a", occurrence: 2);
        Assert.Equal(2, _fetcher.CallsFor("a"));
    }

    [Fact]
    public async Task Backstop_JitterDrawn_DueAtIntervalTimesOnePlusJitterTimesTwoRMinusOne()
    {
        _random = () => 0.75; // 60 s * (1 + 0.2 * (2 * 0.75 - 1)) = 66 s
        await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _view.Set(A());

        var armed = await _events.WaitAsync(Kind.BackstopArmed, "a");

        Assert.Equal(armed.At + TimeSpan.FromSeconds(66), armed.Due);
        _time.Advance(TimeSpan.FromSeconds(66) - TimeSpan.FromTicks(1));
        Assert.Equal(1, Triggers("a"));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(2, Triggers("a"));
    }

    [Fact]
    public async Task Backstop_QuietPeer_IntervalDoublesUpToTheCapAnnouncementStartsAgain()
    {
        _random = () => 0.5; // no jitter: the due times are the intervals themselves
        await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _view.Set(A());

        List<TimeSpan> intervals = [];
        for (var fetch = 1; fetch <= 6; fetch++)
        {
            var armed = await _events.WaitAsync(Kind.BackstopArmed, "a", occurrence: fetch);
            intervals.Add(armed.Due!.Value - armed.At);
            _time.Advance(armed.Due.Value - _time.GetUtcNow());
        }

        // The join's fetch, then backstops that found nothing: 1, 2, 4, 8 minutes, then the 10 minute cap.
        Assert.Equal([1, 2, 4, 8, 10, 10], intervals.Select(i => i.TotalMinutes));
        await _events.WaitAsync(Kind.FetchCompleted, "a", occurrence: 7);
        _view.Set(A(version: 2));
        var afterNews = await _events.WaitAsync(Kind.BackstopArmed, "a", occurrence: 8);
        Assert.Equal(TimeSpan.FromMinutes(1), afterNews.Due - afterNews.At);
    }

    [Fact]
    public async Task Backstop_FetchMovedRefs_IntervalStaysAtFetchInterval()
    {
        _random = () => 0.5;
        await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome(["refs/remotes/a/main"], [], 10);
        _view.Set(A());

        var first = await _events.WaitAsync(Kind.BackstopArmed, "a");
        _time.Advance(TimeSpan.FromMinutes(1));
        var second = await _events.WaitAsync(Kind.BackstopArmed, "a", occurrence: 2);

        Assert.Equal(TimeSpan.FromMinutes(1), first.Due - first.At);
        Assert.Equal(TimeSpan.FromMinutes(1), second.Due - second.At);
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
        int Held() => _events.Count(Kind.TriggerHeld);

        _view.Set(A(version: 1));
        Assert.False((await _events.FetchedAsync("a")).Ok);
        Assert.StartsWith("disk full: ", RemoteA().LastFetch!.Error, StringComparison.Ordinal);
        Assert.Equal(start + TimeSpan.FromSeconds(5), RemoteA().NextFetch);

        // While held, a new commit of a and a joining b ask for fetches: neither runs.
        await SetAsync(A(version: 2), B());
        await _events.WaitAsync(Kind.TriggerHeld, occurrence: 2);
        Assert.Equal((1, 0), (_fetcher.CallsFor("a"), _fetcher.CallsFor("b")));

        // The waits double: 5, 10, 20 s, then the cap of 20 s. One peer is tried each time, never b meanwhile.
        _time.Advance(TimeSpan.FromSeconds(5));
        await _events.FetchedAsync("a", occurrence: 2);
        Assert.Equal(start + TimeSpan.FromSeconds(15), RemoteA().NextFetch);
        _time.Advance(TimeSpan.FromSeconds(9));
        await SetAsync(A(version: 3), B());
        await _events.WaitAsync(Kind.TriggerHeld, occurrence: 3);
        Assert.Equal(2, _fetcher.CallsFor("a"));
        _time.Advance(TimeSpan.FromSeconds(1));
        await _events.FetchedAsync("a", occurrence: 3);
        _time.Advance(TimeSpan.FromSeconds(20));
        await _events.FetchedAsync("a", occurrence: 4);
        Assert.Equal(start + TimeSpan.FromSeconds(55), RemoteA().NextFetch);
        Assert.Equal([5d, 10, 20, 20], _events.Of(Kind.LocalHoldArmed).Select(e => (e.Due!.Value - e.At).TotalSeconds));
        Assert.Equal([1, 2, 3, 4], _events.Of(Kind.LocalHoldArmed).Select(e => e.Failures));

        // Four failures in the breaker's window would open it, were they counted against the peer.
        Assert.Equal("closed", RemoteA().Breaker.State);
        Assert.Equal(0, _fetcher.CallsFor("b"));
        Assert.Equal(3, Held());

        Volatile.Write(ref full, false);
        _time.Advance(TimeSpan.FromSeconds(20));

        Assert.True((await _events.FetchedAsync("a", occurrence: 5)).Ok);
        Assert.True((await _events.FetchedAsync("b")).Ok);
        Assert.Equal([0d, 5, 15, 35, 55], attempts);
        Assert.True(RemoteA().LastFetch!.Ok);
        Assert.True(scheduler.GetStatus(null).Find(NodeB)!.Remotes[0].LastFetch!.Ok);
        Assert.InRange(RemoteA().NextFetch!.Value - _time.GetUtcNow(), TimeSpan.FromSeconds(48), TimeSpan.FromSeconds(72));
    }

    [Fact]
    public async Task LocalRepositoryMissing_ReadThatBeganAfterTheFailure_EndsTheHoldAtOnce()
    {
        _options.LocalErrorRetryDelay = TimeSpan.FromMinutes(5);
        _options.LocalErrorMaxRetryDelay = TimeSpan.FromMinutes(5);
        var scheduler = await StartAsync();
        var away = true;
        _fetcher.Immediate["a"] = () => Volatile.Read(ref away)
            ? throw new FetchFailedException(FetchErrorKind.LocalRepository, "local repository not found: /repo")
            : new FetchOutcome([], [], 0);
        var readBeforeTheFailure = _time.GetTimestamp();
        _view.Set(A());
        await _events.FetchedAsync("a");
        await _events.WaitAsync(Kind.LocalHoldArmed);

        // A read that began before the fetch failed says nothing: the repository may have gone after it.
        scheduler.LocalRepositoryRead(readBeforeTheFailure);
        Assert.Equal(0, _events.Count(Kind.LocalHoldEnded));

        // The watcher never saw the repository gone (no poll while it was away); a read after the failure is enough.
        Volatile.Write(ref away, false);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        scheduler.LocalRepositoryRead(_time.GetTimestamp());

        var ended = Assert.Single(_events.Of(Kind.LocalHoldEnded));
        Assert.True(ended.Ok);
        Assert.Equal([FetchTrigger.Joined, FetchTrigger.LocalRetry], _events.TriggersOf("a"));
        Assert.True((await _events.FetchedAsync("a", occurrence: 2)).Ok);
        Assert.Equal(_time.GetUtcNow(), scheduler.GetStatus(null).Peers[0].Remotes[0].LastFetch!.At);
    }

    [Fact]
    public async Task LocalDiskFull_RefsReadable_HoldKept()
    {
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => throw new FetchFailedException(FetchErrorKind.LocalStorage, "disk full: No space left on device");
        _view.Set(A());
        await _events.WaitAsync(Kind.LocalHoldArmed);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        scheduler.LocalRepositoryRead(_time.GetTimestamp());

        Assert.Equal(0, _events.Count(Kind.LocalHoldEnded));
        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromMilliseconds(1) + _options.LocalErrorRetryDelay, scheduler.GetStatus(null).Peers[0].Remotes[0].NextFetch);
    }

    [Fact]
    public async Task Worker_FetcherThrowsUnexpectedExceptionOnce_FaultShownAndPeerFetchedOnTheNextTrigger()
    {
        var scheduler = await StartAsync();
        var calls = 0;
        _fetcher.Immediate["a"] = () => Interlocked.Increment(ref calls) == 1
            ? throw new InvalidOperationException("a bug below the fetch")
            : new FetchOutcome([], [], 0);

        _view.Set(A(version: 1));
        var fault = await _events.WaitAsync(Kind.WorkerFaulted, "a");
        Assert.Equal("internal error: a bug below the fetch", fault.Report!.Error);
        Assert.Equal(fault.Report.Error, scheduler.GetStatus(null).Peers[0].Remotes[0].LastFetch!.Error);

        _view.Set(A(version: 2));

        Assert.True((await _events.FetchedAsync("a")).Ok);
        Assert.Equal(2, _fetcher.CallsFor("a"));
        var report = Assert.Single(await scheduler.FetchNowAsync("a", TestContext.Current.CancellationToken));
        Assert.True(report.Ok, report.Error);
    }

    [Fact]
    public async Task LocalBranchesMoved_AheadBehindComputedAgain_StatusUpdated()
    {
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _view.Set(A());
        await _events.FetchedAsync("a");
        Assert.Equal(new BranchDivergence("main", 1, 0), scheduler.GetStatus(null).Peers[0].Remotes[0].Branches.Single());

        _fetcher.Divergence = _ => [new BranchDivergence("main", 1, 2)];
        scheduler.LocalBranchesMoved();
        await _events.WaitAsync(Kind.BranchesRefreshed);

        Assert.Equal(new BranchDivergence("main", 1, 2), scheduler.GetStatus(null).Peers[0].Remotes[0].Branches.Single());
        Assert.Equal(1, _fetcher.CallsFor("a"));
    }

    [Fact]
    public async Task PeerGoesOffline_NoBackstopAndShownOffline_RemoteKept()
    {
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _view.Set(A());
        await _events.FetchedAsync("a");

        await SetAsync(A(state: MemberState.Dead));
        Assert.False(scheduler.GetStatus(null).Peers[0].Online);
        _time.Advance(TimeSpan.FromMinutes(10));

        var peer = Assert.Single(scheduler.GetStatus(null).Peers);
        Assert.Equal("a", peer.Remotes[0].Remote);
        Assert.Null(peer.Remotes[0].NextFetch);
        Assert.Equal(1, Triggers("a"));
        Assert.Equal(1, _fetcher.CallsFor("a"));
    }

    [Fact]
    public async Task PeerComesBack_FetchedAsJoin()
    {
        await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _view.Set(A());
        await _events.FetchedAsync("a");
        await SetAsync(A(state: MemberState.Dead));

        _view.Set(A());

        await _events.FetchedAsync("a", occurrence: 2);
        Assert.Equal([FetchTrigger.Joined, FetchTrigger.Joined], _events.TriggersOf("a"));
    }

    /// <summary>Starts the scheduler and makes a's two first fetches fail, so its breaker (at 2 attempts) is open.</summary>
    private async Task<FetchScheduler> OpenBreakerOfAAsync(Func<long, Member> a)
    {
        _options.BreakerMinimumThroughput = 2;
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => throw ConnectTimedOut();
        _view.Set(a(1));
        await _events.FetchedAsync("a");
        _view.Set(a(2));
        await _events.FetchedAsync("a", occurrence: 2);
        Assert.Equal("open", scheduler.GetStatus(null).Find(NodeA)!.Remotes[0].Breaker.State);
        return scheduler;
    }

    /// <summary>
    /// A fetch refused by the open breaker says "next try in 30 s": the fetch is tried then, not a backstop interval
    /// (60 s +- 20 %) later.
    /// </summary>
    [Fact]
    public async Task BreakerOpen_FetchRefused_TriedAgainWhenTheBreakerLetsOneThrough()
    {
        var scheduler = await OpenBreakerOfAAsync(version => A(version));

        _view.Set(A(version: 3));
        var refused = await _events.FetchedAsync("a", occurrence: 3);
        var armed = await _events.WaitAsync(Kind.BackstopArmed, "a", occurrence: 3);

        Assert.StartsWith("circuit open (next try in 30 s", refused.Error, StringComparison.Ordinal);
        Assert.Equal(_time.GetUtcNow() + _options.BreakerBreakDuration, armed.Due);
        Assert.Equal(2, _fetcher.CallsFor("a"));
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _time.Advance(_options.BreakerBreakDuration);
        Assert.True((await _events.FetchedAsync("a", occurrence: 4)).Ok);
        Assert.Equal(3, _fetcher.CallsFor("a"));
        Assert.Equal("closed", scheduler.GetStatus(null).Find(NodeA)!.Remotes[0].Breaker.State);
    }

    /// <summary>
    /// A peer whose breaker opened while it went away (its fetches failed), then came back: fetched at once, its
    /// breaker closed. The failures belonged to the run of the peer that ended.
    /// </summary>
    [Fact]
    public async Task BreakerOpen_PeerGoneAndBack_BreakerClosedAndFetchedAtOnce()
    {
        var scheduler = await OpenBreakerOfAAsync(version => A(version));
        await SetAsync(A(version: 2, state: MemberState.Dead));

        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _view.Set(A(version: 3));

        Assert.True((await _events.FetchedAsync("a", occurrence: 3)).Ok);
        Assert.Equal(3, _fetcher.CallsFor("a"));
        var breaker = scheduler.GetStatus(null).Find(NodeA)!.Remotes[0].Breaker;
        Assert.Equal("closed", breaker.State);
        Assert.Equal(0, breaker.Failures);
    }

    /// <summary>The same for a peer that answers at a new address: the old address's failures do not hold the new one.</summary>
    [Fact]
    public async Task BreakerOpen_PeerMoves_BreakerClosedAndFetchedAtOnceAtTheNewAddress()
    {
        var scheduler = await OpenBreakerOfAAsync(version => AAt(s_before, version));

        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _view.Set(AAt(s_after, version: 3));

        Assert.True((await _events.FetchedAsync("a", occurrence: 3)).Ok);
        Assert.Equal([UrlBefore, UrlBefore, UrlAfter], _fetcher.UrlsFor("a"));
        Assert.Equal("closed", scheduler.GetStatus(null).Find(NodeA)!.Remotes[0].Breaker.State);
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
        await _fetcher.WaitingAsync("a");
        _fetcher.Complete("a");

        var request = scheduler.FetchNowAsync("a", TestContext.Current.CancellationToken);
        await _fetcher.WaitingAsync("a", call: 2);
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
        await _fetcher.WaitingAsync("a");

        _fetcher.Complete("a", error: new FetchFailedException(FetchErrorKind.ConnectionRefused, "connection refused"));

        await _events.FetchedAsync("a");
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

        await _events.FetchedAsync("a");
        var remote = scheduler.GetStatus(null).Peers[0].Remotes[0];
        Assert.True(remote.Rewritten);
        Assert.Equal(["refs/remotes/a/main"], remote.RewrittenRefs);
    }

    [Fact]
    public async Task StopAsync_FetchWaiting_CancelledAndReturns()
    {
        var scheduler = await StartAsync();
        _view.Set(A());
        await _fetcher.WaitingAsync("a");
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
        await StartAsync(flaky);
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        var retry = await _events.WaitAsync(Kind.MembershipRetryArmed);
        Assert.Equal(1, flaky.Calls);
        Assert.Equal(retry.At + _options.ReconcileRetryDelay, retry.Due);

        _view.Set(A());
        _time.Advance(_options.ReconcileRetryDelay);

        await _events.FetchedAsync("a");
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
                    return [.. _trustValues];
                }
            },
            NullLogger.Instance);
    }

    /// <summary>Says the config changed (as the ref watcher does) and waits until the list was read and, if changed, applied.</summary>
    private async Task<bool> TrustReadAgainAsync()
    {
        var reads = _events.Count(Kind.TrustRead);
        _scheduler!.ConfigChanged();
        var read = await _events.WaitAsync(Kind.TrustRead, occurrence: reads + 1);
        if (read.Ok)
        {
            await _events.WaitAsync(Kind.MembershipApplied, after: read);
        }

        return read.Ok;
    }

    [Fact]
    public async Task Trust_OnlyAListed_AFetchedBNeverGivenARemote()
    {
        Trust(NodeA);
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _fetcher.Immediate["b"] = () => new FetchOutcome([], [], 0);

        _view.Set(A(), B());
        await _events.FetchedAsync("a");
        _view.Set(A(version: 2), B(version: 2));
        await _events.FetchedAsync("a", occurrence: 2);

        Assert.Equal(0, _fetcher.CallsFor("b"));
        Assert.Equal(0, Triggers("b"));
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
        await SetAsync(A(), B());
        await _events.FetchedAsync("a");

        Trust(NodeA, NodeB.ToUpperInvariant());
        Assert.True(await TrustReadAgainAsync());

        await _events.FetchedAsync("b");
        Assert.Equal([FetchTrigger.Joined], _events.TriggersOf("b"));
        Assert.True(scheduler.GetStatus(null).Find(NodeB)!.Trusted);
    }

    [Fact]
    public async Task ConfigChanged_SnapshotsChangingMeanwhile_ListStillReadAgain()
    {
        Trust(NodeA);
        await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _fetcher.Immediate["b"] = () => new FetchOutcome([], [], 0);
        await SetAsync(A(), B());
        await _events.FetchedAsync("a");

        Trust(NodeA, NodeB);
        // The config's change arrives together with new snapshots: whichever wakes the loop, the list is read.
        _scheduler!.ConfigChanged();
        for (var version = 2; version <= 4; version++)
        {
            _view.Set(A(version: version), B());
        }

        var read = await _events.WaitAsync(Kind.TrustRead, where: e => e.Ok);
        await _events.FetchedAsync("b");
        Assert.True(read.Ok);
    }

    [Fact]
    public async Task Trust_RemovedWhileRunning_RemoteKeptButNeverFetched()
    {
        Trust(); // no list: everyone
        var scheduler = await StartAsync();
        _fetcher.Immediate["a"] = () => new FetchOutcome([], [], 0);
        _fetcher.Immediate["b"] = () => new FetchOutcome([], [], 0);
        _view.Set(A(), B());
        await _events.FetchedAsync("a");
        await _events.FetchedAsync("b");
        Assert.NotNull(scheduler.GetStatus(null).Find(NodeB)!.Remotes[0].NextFetch); // b's backstop planned

        Trust(NodeA);
        Assert.True(await TrustReadAgainAsync());
        Assert.False(scheduler.GetStatus(null).Find(NodeB)!.Trusted);
        _view.Set(A(version: 2), B(version: 2));
        await _events.FetchedAsync("a", occurrence: 2);
        _time.Advance(TimeSpan.FromMinutes(10)); // past any backstop
        var all = await scheduler.FetchNowAsync(null, TestContext.Current.CancellationToken);
        var named = Assert.Single(await scheduler.FetchNowAsync("b", TestContext.Current.CancellationToken));

        Assert.Equal(1, _fetcher.CallsFor("b"));
        Assert.Equal(1, Triggers("b"));
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
        await _events.FetchedAsync("a");

        Trust(NodeA, "nonsense");
        Assert.False(await TrustReadAgainAsync());
        _view.Set(A(version: 2), B(version: 2));
        await _events.FetchedAsync("a", occurrence: 2);

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
        await _events.FetchedAsync("a");

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
