using System.Collections.Immutable;
using PeerMesh.Mesh.Text;
using PeerMesh.Sync.Status;
using Polly.CircuitBreaker;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// Triggers and per-peer workers: a trigger marks the peer pending and starts its worker unless one runs (then the
/// running worker goes round once more: coalesced), so there is at most one fetch per peer at a time. A worker ends
/// when nothing is pending, or on a fault: its peer is then not left marked running, and the next trigger starts a
/// new worker.
/// </summary>
internal sealed partial class FetchScheduler
{
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

        LogTriggered(_logger, state.RemoteName, FetchTriggers.Describe(trigger));
        state.Pending = true;
        if (state.Running)
        {
            RaiseLocked(FetchSchedulerEventKind.Coalesced, state.RemoteName, trigger);
            return; // the running worker goes round once more
        }

        StartWorkerLocked(state, trigger);
    }

    private void StartWorkerLocked(PeerFetchState state, FetchTrigger trigger)
    {
        state.Running = true;
        RaiseLocked(FetchSchedulerEventKind.Triggered, state.RemoteName, trigger);
        state.Worker = RunWorkerAsync(state);
    }

    private async Task RunWorkerAsync(PeerFetchState state)
    {
        // Started under the lock: continue on the pool so the fetch never runs inside it.
        await Task.Yield();
        var idle = false;
        var remote = string.Empty;
        List<TaskCompletionSource<FetchReport>> waiters = [];
        try
        {
            while (true)
            {
                long version;
                lock (_gate)
                {
                    if (!TakeWorkLocked(state, out var taken, out version, out waiters))
                    {
                        idle = true;
                        return;
                    }

                    remote = taken;
                }

                var report = await FetchOnceAsync(state, remote, version);
                if (report is null)
                {
                    // Given up because the peer moved: whoever waits gets the run at the new address, which is pending.
                    lock (_gate)
                    {
                        state.PendingWaiters.InsertRange(0, waiters);
                    }

                    waiters = [];
                    continue;
                }

                foreach (var waiter in waiters)
                {
                    waiter.TrySetResult(report);
                }

                waiters = [];
            }
        }
        catch (Exception e)
        {
            // A bug below the fetch (or here): say so loudly, show it as the peer's last fetch, answer whoever waits.
            var report = new FetchReport(remote, state.NodeId, false, FetchErrors.Describe(e), 0);
            lock (_gate)
            {
                state.InFlight = false;
                state.AttemptUrl = null;
                state.LastFetch = new LastFetchStatus(_time.GetUtcNow(), false, report.Error);
                RaiseLocked(FetchSchedulerEventKind.WorkerFaulted, remote, report: report);
                ArmBackstopLocked(state);
            }

            foreach (var waiter in waiters)
            {
                waiter.TrySetResult(report);
            }

            LogWorkerFaulted(_logger, remote, e);
        }
        finally
        {
            if (!idle)
            {
                // Whatever ended this worker, the peer must not stay marked running (it would never be fetched again);
                // a trigger that came meanwhile gets a new worker.
                lock (_gate)
                {
                    state.Running = false;
                    state.InFlight = false;
                    state.AttemptUrl = null;
                    if (state.Pending && !_stopping)
                    {
                        StartWorkerLocked(state, FetchTrigger.None);
                    }
                }
            }
        }
    }

    /// <summary>
    /// The next fetch for the worker, or false when the worker ends: nothing pending, stopping, no remote, not
    /// trusted, or held by a local error (unless someone waits: <c>peermesh fetch</c> goes through a hold).
    /// </summary>
    private bool TakeWorkLocked(PeerFetchState state, out string remote, out long version, out List<TaskCompletionSource<FetchReport>> waiters)
    {
        remote = state.RemoteName ?? string.Empty;
        version = state.AnnouncedVersion;
        waiters = [];
        var trusted = Trust.IsTrusted(state.NodeId);
        if (!state.Pending || _stopping || state.RemoteName is null || !trusted)
        {
            state.Running = false;
            state.Pending = false;
            CancelWaitersLocked(state, trusted ? null : NotTrusted(state.NodeId));
            RaiseLocked(FetchSchedulerEventKind.WorkerIdle, state.RemoteName);
            return false;
        }

        if (_hold.IsActive && state.PendingWaiters.Count == 0)
        {
            // Our own repository cannot take a fetch now: whatever asked waits for the local retry.
            state.Pending = false;
            state.Running = false;
            HoldLocked(state);
            RaiseLocked(FetchSchedulerEventKind.TriggerHeld, remote);
            RaiseLocked(FetchSchedulerEventKind.WorkerIdle, remote);
            return false;
        }

        state.Pending = false;
        waiters = [.. state.PendingWaiters];
        state.PendingWaiters.Clear();
        BackstopTimers.Disarm(state);
        return true;
    }

    /// <summary>One fetch of the peer, recorded; null when it was given up because the peer moved (it is pending again).</summary>
    private async Task<FetchReport?> FetchOnceAsync(PeerFetchState state, string remote, long version)
    {
        FetchResult result;
        Task? cancelling;
        using (var run = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
        {
            lock (_gate)
            {
                state.RunCancel = run;
            }

            result = await _runner.RunAsync(state.NodeId, remote, () => BeginAttempt(state, remote), url => MovedFrom(state, url), run.Token);
            lock (_gate)
            {
                cancelling = state.Cancelling;
                state.RunCancel = null;
                state.Cancelling = null;
            }

            if (cancelling is not null)
            {
                // The move's cancellation runs its callbacks on the pool: let them finish before the source goes.
                await cancelling.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        if (!result.Ok
            && !_stop.IsCancellationRequested
            && (result.Error is FetchFailedException { Kind: FetchErrorKind.AddressMoved } || (cancelling is not null && result.Error is OperationCanceledException)))
        {
            lock (_gate)
            {
                RestartLocked(state, remote);
            }

            return null;
        }

        var branches = result.Ok ? await _aheadBehind.ComputeAsync(remote) : null;
        FetchReport report;
        lock (_gate)
        {
            report = CompleteLocked(state, remote, version, result, branches);
        }

        if (report.Ok)
        {
            LogFetched(_logger, remote, Plural.Count(report.UpdatedRefs, "ref", "refs"), PeerFetcher.FormatBytes(result.Outcome!.ReceivedBytes));
        }
        else
        {
            LogFetchFailed(_logger, remote, report.Error!);
        }

        return report;
    }

    /// <summary>An attempt starts (a slot is held): it goes to the URL the peer is known at now.</summary>
    private string? BeginAttempt(PeerFetchState state, string remote)
    {
        lock (_gate)
        {
            var first = !state.InFlight;
            state.InFlight = true;
            state.AttemptUrl = state.Url;
            if (first)
            {
                RaiseLocked(FetchSchedulerEventKind.FetchStarted, remote, url: state.Url);
            }

            return state.Url;
        }
    }

    /// <summary>Where the peer is known to be now, when that is no longer <paramref name="url"/>; else null.</summary>
    private string? MovedFrom(PeerFetchState state, string? url)
    {
        lock (_gate)
        {
            return state.Url is { } now && now != url ? now : null;
        }
    }

    /// <summary>
    /// The fetch ended because the peer moved: nothing about the peer is recorded (last fetch, backstop, hold and
    /// breaker stay as they were) and the worker goes round again at once, at the new address.
    /// </summary>
    private void RestartLocked(PeerFetchState state, string remote)
    {
        state.InFlight = false;
        state.AttemptUrl = null;
        state.Pending = true;
        RaiseLocked(FetchSchedulerEventKind.FetchRestarted, remote, url: state.Url);
    }

    /// <summary>
    /// The peer's remote URL changed. A fetch whose attempt went to another address is cancelled, whether it hangs in
    /// connect there or waits between Polly's attempts; the worker then runs it again at once (<see cref="RestartLocked"/>).
    /// Its cancellation runs on the pool, never under this lock.
    /// </summary>
    private void MovedLocked(PeerFetchState state, string oldUrl)
    {
        var cancelled = false;
        if (state.AttemptUrl is { } attempt && attempt != state.Url && state.RunCancel is { } run && state.Cancelling is null)
        {
            state.Cancelling = run.CancelAsync();
            cancelled = true;
            LogMoveCancelled(_logger, state.RemoteName ?? string.Empty, attempt, state.Url ?? oldUrl);
        }

        RaiseLocked(FetchSchedulerEventKind.PeerMoved, state.RemoteName, ok: cancelled, url: state.Url);
    }

    /// <summary>Records a fetch's result: last fetch, rewritten refs, ahead/behind, then the hold or the backstop.</summary>
    private FetchReport CompleteLocked(PeerFetchState state, string remote, long version, FetchResult result, ImmutableArray<BranchDivergence>? branches)
    {
        state.InFlight = false;
        state.AttemptUrl = null;
        var message = result.Error is null ? null : FetchErrors.Describe(result.Error);
        if (result.Error is FetchFailedException { Kind: FetchErrorKind.NotManaged })
        {
            _reconciler.Invalidate(); // someone edited the remote: look at the config again on the next snapshot
        }

        state.LastFetch = new LastFetchStatus(_time.GetUtcNow(), result.Ok, message);
        if (result.Outcome is { } outcome)
        {
            // Nothing moved and nothing was announced since the last fetch: the peer is quiet, its backstop stretches.
            var quiet = outcome.UpdatedRefs.Length == 0 && version == state.FetchedVersion;
            state.QuietFetches = quiet ? Math.Min(state.QuietFetches + 1, 30) : 0;
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

        if (result.Error is FetchFailedException { IsLocal: true } local)
        {
            LocalFailureLocked(state, local.Kind);
        }
        else
        {
            // Whatever the peer answered, our repository took the attempt: the local error is gone.
            state.HeldByLocalError = false;
            LocalRecoveredLocked();

            // Refused by the open breaker: the fetch asked for is tried the moment the breaker lets one through, as the
            // error says ("next try in N s"), not a backstop interval later.
            ArmBackstopLocked(state, result.Error is BrokenCircuitException { RetryAfter: { } after } ? after : null);
        }

        var report = new FetchReport(remote, state.NodeId, result.Ok, message, result.Outcome?.UpdatedRefs.Length ?? 0);
        RaiseLocked(FetchSchedulerEventKind.FetchCompleted, remote, report: report);
        return report;
    }

    private void ArmBackstopLocked(PeerFetchState state, TimeSpan? delay = null)
    {
        BackstopTimers.Disarm(state);
        if (_stopping || !state.Live || state.RemoteName is null || !Trust.IsTrusted(state.NodeId))
        {
            return; // an offline peer is fetched again when it comes back (a join), an untrusted one once trusted
        }

        var due = _backstops.Arm(state, delay);
        RaiseLocked(FetchSchedulerEventKind.BackstopArmed, state.RemoteName, due: due);
    }

    private void OnBackstopDue(PeerFetchState state)
    {
        lock (_gate)
        {
            if (state.Live && state.Backstop is not null)
            {
                TriggerLocked(state, FetchTrigger.Backstop);
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
}
