using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using PeerMesh.Mesh.Membership;
using PeerMesh.Sync.Remotes;
using PeerMesh.Sync.Status;
using PeerMesh.Sync.Trust;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// Decides when each peer is fetched and runs the fetches: on a changed refs version (the fast path), on a peer
/// joining, on a jittered periodic backstop and on request. At most one fetch per peer at a time (one worker task
/// per peer, later triggers coalesced into one more run), at most <see cref="SyncOptions.MaxConcurrentFetches"/>
/// overall, each through the peer's own Polly pipeline so a slow or dead peer only holds its own slot.
/// With <c>peermesh.trust</c> ids, only those peers are given remotes and fetched; the list is read again every
/// <see cref="SyncOptions.TrustRefreshInterval"/> on the membership loop. Owns the membership loop and the workers;
/// <see cref="StopAsync"/> waits for all of them.
/// </summary>
internal sealed partial class FetchScheduler : IAsyncDisposable
{
    /// <summary>After a failed remote reconciliation (config locked by the user's git), try again this soon.</summary>
    public static readonly TimeSpan ReconcileRetry = TimeSpan.FromSeconds(5);

    private readonly SyncOptions _options;
    private readonly string _repoId;
    private readonly IMembershipView _view;
    private readonly IManagedRemotes _remotes;
    private readonly IPeerFetcher _fetcher;
    private readonly IDivergenceSource _divergence;
    private readonly FetchPipelines _pipelines;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly TrustConfig? _trust;
    private readonly SemaphoreSlim _slots;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PeerFetchState> _peers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _membershipLoop;
    private bool _stopping;
    private string? _reconciledKey;
    private ImmutableArray<ManagedRemote> _reconciled;

    // A local error (disk full, repository gone) holds every peer's fetches until this time; the wait doubles per
    // consecutive local failure. Guarded by _gate.
    private int _localFailures;
    private DateTimeOffset? _localHoldUntil;
    private ITimer? _localHoldTimer;
    private FetchErrorKind _localErrorKind;
    private long _heldTriggers;

    public FetchScheduler(
        SyncOptions options,
        string repoId,
        IMembershipView view,
        IManagedRemotes remotes,
        IPeerFetcher fetcher,
        IDivergenceSource divergence,
        FetchPipelines pipelines,
        TimeProvider timeProvider,
        ILogger<FetchScheduler> logger,
        TrustConfig? trust = null)
    {
        _options = options;
        _repoId = repoId;
        _view = view;
        _remotes = remotes;
        _fetcher = fetcher;
        _divergence = divergence;
        _pipelines = pipelines;
        _timeProvider = timeProvider;
        _logger = logger;
        _trust = trust;
        _slots = new SemaphoreSlim(options.MaxConcurrentFetches, options.MaxConcurrentFetches);
    }

    /// <summary>How many fetches ran (finished) in total; for tests and status.</summary>
    public long CompletedFetches
    {
        get
        {
            lock (_gate)
            {
                return _peers.Values.Sum(p => p.Fetches);
            }
        }
    }

    /// <summary>The trust list in force (everyone without <c>peermesh.trust</c>).</summary>
    public TrustList Trust => _trust?.Current ?? TrustList.Everyone;

    /// <summary>Fetches asked for but not run because a local error held them; for tests and status.</summary>
    public long HeldTriggers
    {
        get
        {
            lock (_gate)
            {
                return _heldTriggers;
            }
        }
    }

    /// <summary>Loads the managed remotes already in the config (offline until announced), then follows the membership.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_membershipLoop is not null)
        {
            throw new InvalidOperationException("already started");
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

        _membershipLoop = RunMembershipAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync()
    {
        List<Task> workers;
        lock (_gate)
        {
            _stopping = true;
            _localHoldTimer?.Dispose();
            _localHoldTimer = null;
            foreach (var state in _peers.Values)
            {
                state.Backstop?.Dispose();
                state.Backstop = null;
                state.NextFetch = null;
            }
        }

        await _stop.CancelAsync();
        if (_membershipLoop is not null)
        {
            await _membershipLoop;
        }

        lock (_gate)
        {
            workers = [.. _peers.Values.Select(p => p.Worker).OfType<Task>()];
        }

        // Cancellation closes the fetch's socket, so a running fetch ends within a poll interval.
        await Task.WhenAll(workers);
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
        _stop.Dispose();
        _slots.Dispose();
    }

    /// <summary>
    /// Fetches the named managed remote (whether or not its peer is online) or, with null, every online trusted peer,
    /// and waits for those fetches. A fetch already running is followed by one more, so the result is fresh. Naming an
    /// untrusted peer (by remote name, node name or node id) is refused.
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
        lock (_gate)
        {
            _reconciledKey = null; // the config changed under the cache

            foreach (var state in _peers.Values.Where(p => p.RemoteName == remoteName).ToList())
            {
                state.Backstop?.Dispose();
                state.Backstop = null;
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

    /// <summary>
    /// The local repository can be read again (it moved back): end the wait after a local error at once, so held
    /// fetches run now rather than when the wait would have ended.
    /// </summary>
    public void LocalRepositoryReadable()
    {
        lock (_gate)
        {
            // Only a hold for a missing repository: readable refs say nothing about a full disk.
            if (!_stopping && _localErrorKind == FetchErrorKind.LocalRepository)
            {
                LocalRecoveredLocked();
            }
        }
    }

    /// <summary>Recomputes ahead/behind of every remote (the local branches moved).</summary>
    public void RefreshBranches()
    {
        List<(PeerFetchState State, string Remote)> remotes;
        lock (_gate)
        {
            remotes = [.. _peers.Values.Where(p => p.RemoteName is not null).Select(p => (p, p.RemoteName!))];
        }

        foreach (var (state, remote) in remotes)
        {
            var branches = ComputeBranches(remote);
            if (branches is { } value)
            {
                lock (_gate)
                {
                    state.Branches = value;
                }
            }
        }
    }

    public SyncStatus GetStatus(string? localDigest)
    {
        var trust = Trust;
        lock (_gate)
        {
            var peers = _peers.Values
                .Where(p => p.RemoteName is not null)
                .OrderBy(p => p.NodeId, StringComparer.Ordinal)
                .Select(p => new PeerSyncStatus(
                    p.NodeId,
                    p.Live,
                    trust.IsTrusted(p.NodeId),
                    [
                        new RemoteSyncStatus(
                            _repoId,
                            p.RemoteName!,
                            p.Url,
                            p.LastFetch,
                            p.NextFetch,
                            p.Branches,
                            p.Rewritten,
                            p.RewrittenRefs,
                            p.InFlight,
                            _pipelines.BreakerState(p.NodeId),
                            _remotes.HasConflict(p.NodeId),
                            p.InFlight ? _fetcher.Transfer(p.RemoteName!) : null),
                    ]))
                .ToImmutableArray();
            return new SyncStatus(_repoId, localDigest, peers, trust);
        }
    }

    private async Task RunMembershipAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        var snapshot = MembershipSnapshot.Empty;
        var ok = false;
        var first = true;
        var faulted = false;
        var trustReadAt = _timeProvider.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (faulted)
                {
                    faulted = false;
                    await Task.Delay(ReconcileRetry, _timeProvider, cancellationToken);
                    snapshot = _view.Current;
                }
                else if (first)
                {
                    snapshot = _view.Current;
                    first = false;
                }
                else
                {
                    // Woken by a change, or after the retry delay (the last reconciliation failed), or when the trust
                    // list is due to be read again. The due time counts from the last read, not from this wait, so a
                    // mesh whose snapshots change every second still has its list read.
                    var untilTrustRead = _options.TrustRefreshInterval - _timeProvider.GetElapsedTime(trustReadAt);
                    using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    using var timer = _timeProvider.CreateTimer(
                        static s => ((CancellationTokenSource)s!).Cancel(),
                        wake,
                        ok ? (untilTrustRead > TimeSpan.Zero ? untilTrustRead : TimeSpan.Zero) : ReconcileRetry,
                        Timeout.InfiniteTimeSpan);
                    var changed = false;
                    try
                    {
                        snapshot = await _view.WaitForChangeAsync(snapshot.Version, wake.Token);
                        changed = true;
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                    }

                    var trustChanged = false;
                    if (_timeProvider.GetElapsedTime(trustReadAt) >= _options.TrustRefreshInterval)
                    {
                        trustReadAt = _timeProvider.GetTimestamp();
                        trustChanged = RefreshTrust();
                    }

                    if (!changed)
                    {
                        if (ok && !trustChanged)
                        {
                            continue;
                        }

                        snapshot = _view.Current;
                    }
                }

                ok = Apply(snapshot);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A fault in the membership view must not end syncing: note it and look again shortly.
                LogMembershipFailed(_logger, e);
                ok = false;
                faulted = true;
            }
        }
    }

    /// <summary>Reads the trust list again; true when it changed (the remotes are then reconciled again).</summary>
    private bool RefreshTrust()
    {
        if (_trust is null || !_trust.Refresh())
        {
            return false;
        }

        lock (_gate)
        {
            _reconciledKey = null; // a node trusted now needs its remote
        }

        return true;
    }

    /// <summary>A member serving our repo whose node id, name or remote-safe name is <paramref name="name"/>.</summary>
    private Member? MemberCalled(string name) => _view.Current.Members.FirstOrDefault(m =>
        m.FindRepo(_repoId) is not null
        && (string.Equals(m.Id, name, StringComparison.OrdinalIgnoreCase) || m.Name == name || RemoteNames.Sanitize(m.Name) == name));

    private static string NotTrusted(string nodeId) => $"not trusted: node {nodeId} is not in peermesh.trust";

    /// <summary>
    /// Reconciles remotes with a snapshot and triggers what it asks for; untrusted peers are followed (online,
    /// offline) but never triggered. False when the remotes could not be updated.
    /// </summary>
    private bool Apply(MembershipSnapshot snapshot)
    {
        var trust = Trust;
        // Snapshots change often (suspicion, last seen); the config only needs a look when what shapes a remote does.
        var key = RemoteShapeKey(snapshot);
        ImmutableArray<ManagedRemote> managed;
        string? previousKey;
        lock (_gate)
        {
            previousKey = _reconciledKey;
            managed = _reconciled;
        }

        if (key != previousKey || managed.IsDefault)
        {
            try
            {
                managed = _remotes.Reconcile(snapshot, trust);
                lock (_gate)
                {
                    _reconciledKey = key;
                    _reconciled = managed;
                }
            }
            catch (Exception e)
            {
                LogReconcileFailed(_logger, e.Message);
                managed = default;
            }
        }

        lock (_gate)
        {
            if (!managed.IsDefault)
            {
                foreach (var remote in managed)
                {
                    var state = GetOrAddLocked(remote.NodeId);
                    state.RemoteName = remote.Name;
                    state.Url = remote.Url;
                }
            }

            var live = new HashSet<string>(StringComparer.Ordinal);
            foreach (var member in snapshot.Members)
            {
                if (member.FindRepo(_repoId) is not { } repo
                    || !_peers.TryGetValue(member.Id, out var state)
                    || state.RemoteName is null)
                {
                    continue; // no remote (yet): once there is one, the peer counts as joining
                }

                // A peer trusted again counts as joining, so it is fetched at once.
                var trigger = trust.IsTrusted(member.Id)
                    ? FetchPlanner.Decide(state.Live && state.Trusted, state.RequestedVersion, member, _repoId)
                    : FetchTrigger.None;
                state.AnnouncedVersion = repo.RefsVersion;
                if (member.IsLive)
                {
                    state.Live = true;
                    live.Add(member.Id);
                }

                if (trigger != FetchTrigger.None)
                {
                    state.RequestedVersion = repo.RefsVersion;
                    TriggerLocked(state, trigger);
                }
            }

            foreach (var state in _peers.Values)
            {
                state.Trusted = trust.IsTrusted(state.NodeId);
                if (!state.Trusted)
                {
                    state.Backstop?.Dispose();
                    state.Backstop = null;
                    state.NextFetch = null;
                }

                if (state.Live && !live.Contains(state.NodeId))
                {
                    state.Live = false;
                    state.Backstop?.Dispose();
                    state.Backstop = null;
                    state.NextFetch = null;
                }
            }
        }

        return !managed.IsDefault;
    }

    private string RemoteShapeKey(MembershipSnapshot snapshot)
    {
        var builder = new System.Text.StringBuilder();
        foreach (var member in snapshot.Members.OrderBy(m => m.Id, StringComparer.Ordinal))
        {
            if (member.IsLive && member.FindRepo(_repoId) is { } repo)
            {
                builder.Append(member.Id).Append('|').Append(member.Name).Append('|').Append(member.Incarnation).Append('|')
                    .Append(member.GossipEndPoint).Append('|').Append(member.GitPort).Append('|').Append(repo.Path).Append('\n');
            }
        }

        return builder.ToString();
    }

    private PeerFetchState GetOrAddLocked(string nodeId)
    {
        if (!_peers.TryGetValue(nodeId, out var state))
        {
            state = new PeerFetchState(nodeId);
            _peers.Add(nodeId, state);
        }

        return state;
    }

    private void TriggerLocked(PeerFetchState state, FetchTrigger trigger)
    {
        if (_stopping || state.RemoteName is null)
        {
            CancelWaitersLocked(state);
            return;
        }

        if (!Trust.IsTrusted(state.NodeId))
        {
            CancelWaitersLocked(state, NotTrusted(state.NodeId));
            return;
        }

        LogTriggered(_logger, state.RemoteName, trigger);
        state.Pending = true;
        if (state.Running)
        {
            return; // coalesced: the running worker goes round once more
        }

        state.Running = true;
        state.Worker = RunWorkerAsync(state);
    }

    private async Task RunWorkerAsync(PeerFetchState state)
    {
        // Called under the lock: continue on the pool so the fetch never runs inside it.
        await Task.Yield();
        while (true)
        {
            string remote;
            long version;
            List<TaskCompletionSource<FetchReport>> waiters;
            lock (_gate)
            {
                var trusted = Trust.IsTrusted(state.NodeId);
                if (!state.Pending || _stopping || state.RemoteName is null || !trusted)
                {
                    state.Running = false;
                    state.Pending = false;
                    CancelWaitersLocked(state, trusted ? null : NotTrusted(state.NodeId));
                    return;
                }

                if (LocalHoldActiveLocked() && state.PendingWaiters.Count == 0)
                {
                    // Our own repository cannot take a fetch now: whatever asked waits for the local retry.
                    // `peermesh fetch` (a waiter) still goes through: the user may just have freed space.
                    state.Pending = false;
                    state.Running = false;
                    _heldTriggers++;
                    HoldLocked(state);
                    return;
                }

                state.Pending = false;
                remote = state.RemoteName;
                version = state.AnnouncedVersion;
                waiters = [.. state.PendingWaiters];
                state.PendingWaiters.Clear();
                state.Backstop?.Dispose();
                state.Backstop = null;
                state.NextFetch = null;
            }

            var report = await FetchOnceAsync(state, remote, version, _stop.Token);
            foreach (var waiter in waiters)
            {
                waiter.TrySetResult(report);
            }
        }
    }

    private async Task<FetchReport> FetchOnceAsync(PeerFetchState state, string remote, long version, CancellationToken cancellationToken)
    {
        try
        {
            await _slots.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return new FetchReport(remote, state.NodeId, false, FetchErrors.Describe(new OperationCanceledException()), 0);
        }

        FetchOutcome? outcome = null;
        Exception? error = null;
        try
        {
            lock (_gate)
            {
                state.InFlight = true;
            }

            var pipeline = _pipelines.For(state.NodeId);
            outcome = await pipeline.ExecuteAsync(
                ct => new ValueTask<FetchOutcome>(_fetcher.FetchAsync(remote, ct)),
                cancellationToken);
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            _slots.Release();
        }

        var branches = outcome is null ? null : await Task.Run(() => ComputeBranches(remote), CancellationToken.None);
        var message = error is null ? null : FetchErrors.Describe(error);
        lock (_gate)
        {
            state.InFlight = false;
            state.Fetches++;
            if (error is FetchFailedException { Kind: FetchErrorKind.NotManaged })
            {
                _reconciledKey = null; // someone edited the remote: look at the config again on the next snapshot
            }

            state.LastFetch = new LastFetchStatus(_timeProvider.GetUtcNow(), outcome is not null, message);
            if (outcome is not null)
            {
                state.FetchedVersion = version;
                if (outcome.RewrittenRefs.Length > 0)
                {
                    state.Rewritten = true;
                    state.RewrittenRefs = outcome.RewrittenRefs;
                }

                if (branches is { } value)
                {
                    state.Branches = value;
                }
            }

            if (error is FetchFailedException { IsLocal: true } local)
            {
                _localErrorKind = local.Kind;
                LocalFailureLocked(state);
            }
            else
            {
                // Whatever the peer answered, our repository took the attempt: the local error is gone.
                state.HeldByLocalError = false;
                LocalRecoveredLocked();
                ScheduleBackstopLocked(state);
            }
        }

        if (outcome is not null)
        {
            LogFetched(_logger, remote, outcome.UpdatedRefs.Length, outcome.ReceivedBytes);
        }
        else
        {
            LogFetchFailed(_logger, remote, message!);
        }

        return new FetchReport(remote, state.NodeId, outcome is not null, message, outcome?.UpdatedRefs.Length ?? 0);
    }

    private ImmutableArray<BranchDivergence>? ComputeBranches(string remote)
    {
        try
        {
            return _divergence.Compute(remote);
        }
        catch (Exception e)
        {
            LogDivergenceFailed(_logger, remote, e.Message);
            return null;
        }
    }

    private void ScheduleBackstopLocked(PeerFetchState state)
    {
        state.Backstop?.Dispose();
        state.Backstop = null;
        state.NextFetch = null;
        if (_stopping || !state.Live || state.RemoteName is null || !Trust.IsTrusted(state.NodeId))
        {
            return; // an offline peer is fetched again when it comes back (a join), an untrusted one once trusted
        }

        var delay = FetchPlanner.Jittered(_options.FetchInterval, _options.FetchJitter, Random.Shared.NextDouble());
        state.NextFetch = _timeProvider.GetUtcNow() + delay;
        state.Backstop = _timeProvider.CreateTimer(
            s =>
            {
                var peer = (PeerFetchState)s!;
                lock (_gate)
                {
                    if (peer.Live)
                    {
                        TriggerLocked(peer, FetchTrigger.Backstop);
                    }
                }
            },
            state,
            delay,
            Timeout.InfiniteTimeSpan);
    }

    private bool LocalHoldActiveLocked() => _localHoldUntil is { } until && _timeProvider.GetUtcNow() < until;

    /// <summary>A local error: hold all fetches for a doubling wait (a failure inside the current wait does not double it).</summary>
    private void LocalFailureLocked(PeerFetchState state)
    {
        if (!LocalHoldActiveLocked() && !_stopping)
        {
            _localFailures++;
            var delay = LocalRetryDelay(_options, _localFailures);
            _localHoldUntil = _timeProvider.GetUtcNow() + delay;
            _localHoldTimer?.Dispose();
            _localHoldTimer = _timeProvider.CreateTimer(_ => LocalHoldElapsed(), null, delay, Timeout.InfiniteTimeSpan);
            LogLocalHold(_logger, _localFailures, (int)delay.TotalSeconds);
        }

        HoldLocked(state);
    }

    /// <summary>The wait after the n-th consecutive local failure: base * 2^(n-1), capped.</summary>
    public static TimeSpan LocalRetryDelay(SyncOptions options, int failures)
    {
        var factor = Math.Pow(2, Math.Clamp(failures - 1, 0, 30));
        var ticks = Math.Min(options.LocalErrorRetryDelay.Ticks * factor, options.LocalErrorMaxRetryDelay.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    private void HoldLocked(PeerFetchState state)
    {
        state.HeldByLocalError = true;
        state.Backstop?.Dispose();
        state.Backstop = null;
        state.NextFetch = _localHoldUntil;
    }

    /// <summary>The wait is over: try one held peer; the others follow once it shows the local error is gone.</summary>
    private void LocalHoldElapsed()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            // Over now, whatever the wall clock says (a timer may fire a little before it).
            _localHoldUntil = null;
            var probe = _peers.Values
                .Where(p => p.HeldByLocalError && p.Live && p.RemoteName is not null)
                .OrderBy(p => p.NodeId, StringComparer.Ordinal)
                .FirstOrDefault();
            if (probe is not null)
            {
                probe.HeldByLocalError = false;
                TriggerLocked(probe, FetchTrigger.LocalRetry);
            }
        }
    }

    private void LocalRecoveredLocked()
    {
        if (_localFailures == 0 && _localHoldUntil is null)
        {
            return;
        }

        _localFailures = 0;
        _localHoldUntil = null;
        _localHoldTimer?.Dispose();
        _localHoldTimer = null;
        foreach (var held in _peers.Values.Where(p => p.HeldByLocalError).ToList())
        {
            held.HeldByLocalError = false;
            held.NextFetch = null;
            if (held.Live)
            {
                TriggerLocked(held, FetchTrigger.LocalRetry);
            }
        }
    }

    private static void CancelWaitersLocked(PeerFetchState state, string? reason = null)
    {
        foreach (var waiter in state.PendingWaiters)
        {
            waiter.TrySetResult(new FetchReport(state.RemoteName ?? string.Empty, state.NodeId, false, reason ?? "cancelled (node stopping)", 0));
        }

        state.PendingWaiters.Clear();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Fetch of {Remote} asked for: {Trigger}")]
    private static partial void LogTriggered(ILogger logger, string remote, FetchTrigger trigger);

    // Per branch, the fetcher says what arrived; this is the summary.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Fetched {Remote}: {Updated} ref(s) updated, {Bytes} bytes")]
    private static partial void LogFetched(ILogger logger, string remote, int updated, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fetch of {Remote} failed: {Error}")]
    private static partial void LogFetchFailed(ILogger logger, string remote, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Local repository error ({Failures} in a row): no fetches for {Seconds} s")]
    private static partial void LogLocalHold(ILogger logger, int failures, int seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reading the membership failed; retrying")]
    private static partial void LogMembershipFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not update the managed remotes: {Reason}")]
    private static partial void LogReconcileFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not compute ahead/behind for {Remote}: {Reason}")]
    private static partial void LogDivergenceFailed(ILogger logger, string remote, string reason);
}
