using System.Collections.Immutable;
using PeerMesh.Mesh.Membership;
using PeerMesh.Sync.Remotes;

namespace PeerMesh.Sync.Fetching;

/// <summary>What a membership snapshot means for the peers (the membership follower's apply step).</summary>
internal sealed partial class FetchScheduler
{
    /// <summary>Reads the trust list again; true when it changed (the remotes are then reconciled again).</summary>
    private bool ReadTrust()
    {
        if (_trust is null || !_trust.Refresh())
        {
            return false;
        }

        _reconciler.Invalidate(); // a node trusted now needs its remote
        return true;
    }

    /// <summary>
    /// Reconciles remotes with a snapshot and triggers what it asks for (<see cref="FetchPlanner.Decide"/>); untrusted
    /// peers are followed (online, offline) but never triggered. False when the remotes could not be updated.
    /// </summary>
    private bool Apply(MembershipSnapshot snapshot)
    {
        var trust = Trust;
        ImmutableArray<ManagedRemote> managed;
        try
        {
            managed = _reconciler.Reconcile(snapshot, trust);
        }
        catch (Exception e)
        {
            LogReconcileFailed(_logger, e.Message);
            managed = default;
        }

        lock (_gate)
        {
            // The config was written before this: from here on every attempt that starts goes to the new URL, and one
            // that went to the old one is cancelled (MovedLocked), so no fetch is left behind at an address the peer left.
            var moved = new HashSet<string>(StringComparer.Ordinal);
            if (!managed.IsDefault)
            {
                foreach (var remote in managed)
                {
                    var state = GetOrAddLocked(remote.NodeId);
                    state.RemoteName = remote.Name;
                    var previous = state.Url;
                    state.Url = remote.Url;
                    if (previous is not null && remote.Url is not null && previous != remote.Url)
                    {
                        moved.Add(remote.NodeId);
                        MovedLocked(state, previous);
                    }
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
                    ? FetchPlanner.Decide(state.Live && state.Trusted, state.RequestedVersion, member, _repoId, moved.Contains(member.Id))
                    : FetchTrigger.None;
                if (trigger == FetchTrigger.RefsChanged && _holdsNothingNew?.Invoke(member.Id, repo.RefsDigest) == true)
                {
                    // Typically a relay that signed again after taking our own news: fetching it back would bring
                    // nothing, and cost it a serving while it serves the next hop. The backstop still fetches it.
                    trigger = FetchTrigger.None;
                    state.RequestedVersion = repo.RefsVersion;
                    LogNothingNew(_logger, state.RemoteName, repo.RefsVersion);
                    RaiseLocked(FetchSchedulerEventKind.NothingNew, state.RemoteName);
                }

                state.AnnouncedVersion = repo.RefsVersion;
                if (member.IsLive && (!state.Live || moved.Contains(member.Id)))
                {
                    // What opened its breaker belonged to the run of the peer that ended, or to the address it left:
                    // its first fetch now must not wait out a break (or the backstop after it).
                    _pipelines.Reset(member.Id);
                }

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
                    BackstopTimers.Disarm(state); // fetched again once trusted (as a join)
                }

                if (state.Live && !live.Contains(state.NodeId))
                {
                    state.Live = false;
                    BackstopTimers.Disarm(state); // fetched again when it comes back (a join)
                }
            }
        }

        return !managed.IsDefault;
    }
}
