using PeerMesh.Mesh.Text;

namespace PeerMesh.Sync.Fetching;

/// <summary>How the <see cref="LocalErrorHold"/> reaches the peers: held peers, the probe, the release.</summary>
internal sealed partial class FetchScheduler
{
    /// <summary>
    /// The ref watcher read our refs, in a read that began at <paramref name="readStartedTimestamp"/> (a
    /// <see cref="TimeProvider.GetTimestamp"/>). After a fetch failed on a missing repository, such a read that
    /// began later shows it is back: held fetches run now rather than when the wait would have ended.
    /// </summary>
    public void LocalRepositoryRead(long readStartedTimestamp)
    {
        lock (_gate)
        {
            if (!_stopping && _hold.ClearedBy(readStartedTimestamp))
            {
                LocalRecoveredLocked();
            }
        }
    }

    /// <summary>A local error: hold all fetches for a doubling wait (a failure inside the current wait does not double it).</summary>
    private void LocalFailureLocked(PeerFetchState state, FetchErrorKind kind)
    {
        if (!_stopping && _hold.Fail(kind) is { } delay)
        {
            LogLocalHold(_logger, Plural.Count(_hold.Failures, "failure", "failures"), (int)delay.TotalSeconds);
            RaiseLocked(FetchSchedulerEventKind.LocalHoldArmed, due: _hold.Until, failures: _hold.Failures);
        }

        HoldLocked(state);
    }

    private void HoldLocked(PeerFetchState state)
    {
        BackstopTimers.Disarm(state);
        state.HeldByLocalError = true;
        state.NextFetch = _hold.Until;
    }

    /// <summary>The wait is over: try one held peer; the others follow once it shows the local error is gone.</summary>
    private void OnHoldElapsed()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _hold.Elapse();
            RaiseLocked(FetchSchedulerEventKind.LocalHoldEnded);
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
        if (!_hold.Recover())
        {
            return;
        }

        RaiseLocked(FetchSchedulerEventKind.LocalHoldEnded, ok: true);
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
}
