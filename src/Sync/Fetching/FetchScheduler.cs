using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using PeerMesh.Mesh.Membership;
using PeerMesh.Sync.Remotes;
using PeerMesh.Sync.Status;
using PeerMesh.Sync.Trust;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// Decides when each peer is fetched and runs the fetches: on a changed refs version (the fast path), on a peer
/// joining, on a jittered periodic backstop and on request. The coordinator of single-concern parts, all on one
/// <see cref="TimeProvider"/> (model: hashicorp/memberlist's file per concern, Orleans' membership components):
/// <list type="bullet">
/// <item><see cref="MembershipFollower"/>: the loop that follows the membership and re-reads the trust list when the config changes.</item>
/// <item><see cref="RemoteReconciler"/>: managed remotes in the config, looked at when their shape changes.</item>
/// <item>Triggers and workers (FetchScheduler.Workers.cs): at most one fetch per peer, later triggers coalesced into one more run.</item>
/// <item><see cref="FetchRunner"/>: concurrency slots and the peer's Polly pipeline around the fetcher.</item>
/// <item><see cref="AheadBehind"/>: divergence after fetches and when our branches move.</item>
/// <item><see cref="BackstopTimers"/>: the jittered periodic fetch of each live peer.</item>
/// <item><see cref="LocalErrorHold"/>: all fetches held, doubling, after a local error (disk full, repository gone).</item>
/// <item><see cref="FetchStatusProjection"/>: the status picture.</item>
/// </list>
/// Per-peer state (<see cref="PeerFetchState"/>), the hold and the backstops are guarded by one lock; timers call
/// back into it; every known point is reported to the observer (<see cref="FetchSchedulerEvent"/>) so tests wait for
/// points, not for time. <see cref="StopAsync"/> waits for the loop, the workers and a running refresh.
/// </summary>
internal sealed partial class FetchScheduler : IAsyncDisposable
{
    private readonly SyncOptions _options;
    private readonly string _repoId;
    private readonly IMembershipView _view;
    private readonly IManagedRemotes _remotes;
    private readonly IPeerFetcher _fetcher;
    private readonly FetchPipelines _pipelines;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TrustConfig? _trust;
    private readonly Action<FetchSchedulerEvent>? _observe;
    private readonly Func<string, string, bool>? _holdsNothingNew;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PeerFetchState> _peers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly MembershipFollower _follower;
    private readonly RemoteReconciler _reconciler;
    private readonly FetchRunner _runner;
    private readonly AheadBehind _aheadBehind;
    private readonly BackstopTimers _backstops;
    private readonly LocalErrorHold _hold;
    private bool _started;
    private bool _stopping;

    /// <param name="options">Validated by the caller.</param>
    /// <param name="repoId">Our repository's id, as announced.</param>
    /// <param name="view">The membership.</param>
    /// <param name="remotes">The managed remotes in the config.</param>
    /// <param name="fetcher">Fetches one remote.</param>
    /// <param name="divergence">Ahead/behind of one remote.</param>
    /// <param name="pipelines">Each peer's Polly pipeline.</param>
    /// <param name="time">Every timer and timestamp.</param>
    /// <param name="logger">Logging.</param>
    /// <param name="trust">The <c>peermesh.trust</c> list, re-read while running; null: everyone.</param>
    /// <param name="observe">Known points (tests; the node's heap trimmer counts ended fetches); called under the scheduler's lock, must not call back.</param>
    /// <param name="random01">The backstop's jitter source, uniform in [0, 1); default <see cref="Random.Shared"/>.</param>
    /// <param name="holdsNothingNew">(peer id, its announced refs digest): true when the peer holds nothing this node lacks, so a new refs version of it asks for no fetch (<see cref="SignedRefs.HoldingsDigest"/>); called under the scheduler's lock.</param>
    public FetchScheduler(
        SyncOptions options,
        string repoId,
        IMembershipView view,
        IManagedRemotes remotes,
        IPeerFetcher fetcher,
        IDivergenceSource divergence,
        FetchPipelines pipelines,
        TimeProvider time,
        ILogger<FetchScheduler> logger,
        TrustConfig? trust = null,
        Action<FetchSchedulerEvent>? observe = null,
        Func<double>? random01 = null,
        Func<string, string, bool>? holdsNothingNew = null)
    {
        _holdsNothingNew = holdsNothingNew;
        _options = options;
        _repoId = repoId;
        _view = view;
        _remotes = remotes;
        _fetcher = fetcher;
        _pipelines = pipelines;
        _time = time;
        _logger = logger;
        _trust = trust;
        _observe = observe;
        _reconciler = new RemoteReconciler(remotes, repoId);
        _runner = new FetchRunner(options, fetcher, pipelines);
        _backstops = new BackstopTimers(options, time, OnBackstopDue, random01);
        _hold = new LocalErrorHold(options, time, OnHoldElapsed);
        _aheadBehind = new AheadBehind(divergence, logger, ManagedRemoteNames, StoreBranches, OnBranchesRefreshed);
        _follower = new MembershipFollower(view, options, time, logger, Apply, ReadTrust, OnFollowerPoint);
    }

    /// <summary>The trust list in force (everyone without <c>peermesh.trust</c>).</summary>
    public TrustList Trust => _trust?.Current ?? TrustList.Everyone;

    /// <summary>The repository's config may have changed (an event, or the safety poll): the trust list is read again soon.</summary>
    public void ConfigChanged() => _follower.ConfigChanged();

    /// <summary>Loads the managed remotes already in the config (offline until announced), then follows the membership.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_started)
            {
                throw new InvalidOperationException("already started");
            }

            _started = true;
        }

        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var existing = _remotes.List();
            lock (_gate)
            {
                foreach (var remote in existing)
                {
                    var state = GetOrAddLocked(remote.NodeId);
                    state.RemoteName = remote.Name;
                    state.Url = remote.Url;
                }
            }
        }
        catch (Exception e)
        {
            LogReconcileFailed(_logger, e.Message);
        }

        _follower.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync()
    {
        lock (_gate)
        {
            _stopping = true;
            _hold.Dispose();
            foreach (var state in _peers.Values)
            {
                BackstopTimers.Disarm(state);
            }
        }

        await _stop.CancelAsync();
        await _follower.StopAsync();
        await _aheadBehind.StopAsync();
        List<Task> workers;
        lock (_gate)
        {
            workers = [.. _peers.Values.Select(p => p.Worker).OfType<Task>()];
        }

        // Cancellation closes the fetch's socket, so a running fetch ends within a poll interval. A worker's fault
        // was logged where it happened.
        await Task.WhenAll(workers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_gate)
        {
            foreach (var state in _peers.Values)
            {
                CancelWaitersLocked(state);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _follower.DisposeAsync();
        _runner.Dispose();
        _stop.Dispose();
    }

    /// <summary>
    /// Fetches the named managed remote (whether or not its peer is online) or, with null, every online trusted peer,
    /// and waits for those fetches. A fetch already running is followed by one more, so the result is fresh. Naming an
    /// untrusted peer (by remote name, node name or node id) is refused. Goes through a local hold: the user may just
    /// have freed space.
    /// </summary>
    public async Task<ImmutableArray<FetchReport>> FetchNowAsync(string? remoteName, CancellationToken cancellationToken)
    {
        var waits = new List<Task<FetchReport>>();
        var trust = Trust;
        var member = remoteName is null ? null : MemberCalled(remoteName);
        lock (_gate)
        {
            var refused = remoteName is null ? null : _peers.Values.FirstOrDefault(p => p.RemoteName == remoteName)?.NodeId ?? member?.Id;
            if (refused is not null && !trust.IsTrusted(refused))
            {
                return [new FetchReport(remoteName!, refused, false, NotTrusted(refused), 0)];
            }

            var targets = _peers.Values
                .Where(p => p.RemoteName is not null && (remoteName is null ? p.Live && trust.IsTrusted(p.NodeId) : p.RemoteName == remoteName))
                .OrderBy(p => p.RemoteName, StringComparer.Ordinal)
                .ToList();
            if (targets.Count == 0 && remoteName is not null)
            {
                return [new FetchReport(remoteName, string.Empty, false, "no managed remote with that name", 0)];
            }

            foreach (var state in targets)
            {
                var waiter = new TaskCompletionSource<FetchReport>(TaskCreationOptions.RunContinuationsAsynchronously);
                state.PendingWaiters.Add(waiter);
                waits.Add(waiter.Task);
                TriggerLocked(state, FetchTrigger.Explicit);
            }
        }

        return [.. await Task.WhenAll(waits).WaitAsync(cancellationToken)];
    }

    /// <summary>Drops the bookkeeping of a remote that <c>forget</c> removed.</summary>
    public void Remove(string remoteName)
    {
        _reconciler.Invalidate(); // the config changed under the cache
        lock (_gate)
        {
            foreach (var state in _peers.Values.Where(p => p.RemoteName == remoteName).ToList())
            {
                BackstopTimers.Disarm(state);
                state.RemoteName = null;
                state.Live = false;
                state.Branches = [];
                state.Rewritten = false;
                state.RewrittenRefs = [];
                if (!state.Running)
                {
                    _peers.Remove(state.NodeId);
                }
            }
        }
    }

    /// <summary>Our branches moved (the ref watcher's signal): ahead/behind of every remote is computed again, off the caller's thread.</summary>
    public void LocalBranchesMoved() => _aheadBehind.LocalBranchesMoved();

    public SyncStatus GetStatus(string? localDigest)
    {
        var trust = Trust;
        lock (_gate)
        {
            return FetchStatusProjection.Build(_repoId, localDigest, _peers.Values, trust, _pipelines, _remotes, _fetcher);
        }
    }

    /// <summary>A member serving our repo whose node id, name or remote-safe name is <paramref name="name"/>.</summary>
    private Member? MemberCalled(string name) => _view.Current.Members.FirstOrDefault(m =>
        m.FindRepo(_repoId) is not null
        && (string.Equals(m.Id, name, StringComparison.OrdinalIgnoreCase) || m.Name == name || RemoteNames.Sanitize(m.Name) == name));

    private static string NotTrusted(string nodeId) => $"not trusted: node {nodeId} is not in peermesh.trust";

    private PeerFetchState GetOrAddLocked(string nodeId)
    {
        if (!_peers.TryGetValue(nodeId, out var state))
        {
            state = new PeerFetchState(nodeId);
            _peers.Add(nodeId, state);
        }

        return state;
    }

    private IReadOnlyList<string> ManagedRemoteNames()
    {
        lock (_gate)
        {
            return [.. _peers.Values.Select(p => p.RemoteName).OfType<string>()];
        }
    }

    private void StoreBranches(string remote, ImmutableArray<BranchDivergence> branches)
    {
        lock (_gate)
        {
            foreach (var state in _peers.Values.Where(p => p.RemoteName == remote))
            {
                state.Branches = branches;
            }
        }
    }

    private void OnBranchesRefreshed()
    {
        lock (_gate)
        {
            RaiseLocked(FetchSchedulerEventKind.BranchesRefreshed);
        }
    }

    private void OnFollowerPoint(FetchSchedulerEventKind kind, long version, DateTimeOffset? due, bool ok)
    {
        lock (_gate)
        {
            RaiseLocked(kind, version: version, due: due, ok: ok);
        }
    }

    /// <summary>Reports a known point; with the lock held, so points come in the order the state changed.</summary>
    private void RaiseLocked(
        FetchSchedulerEventKind kind,
        string? remote = null,
        FetchTrigger trigger = FetchTrigger.None,
        long version = 0,
        DateTimeOffset? due = null,
        FetchReport? report = null,
        int failures = 0,
        bool ok = false,
        string? url = null) =>
        _observe?.Invoke(new FetchSchedulerEvent(kind, _time.GetUtcNow(), remote, trigger, version, due, report, failures, ok, url));
}
