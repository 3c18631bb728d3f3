using System.Net;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Wire;

namespace PeerMesh.Mesh.Gossip;

/// <summary>The periodic side: probing, suspicion timers, gossip rounds, push-pull, reaping, sending.</summary>
internal sealed partial class MeshNode
{
    private void OnProbeTick()
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            var now = MonotonicNow;
            if (now >= _nextReap)
            {
                Reap(now);
                _nextReap = now + ReapEvery;
            }

            ExpireChallenges(now);
            RetryPendingRefutation();
            RunRepoRepairs(now);

            if (_pendingProbe is { Acked: false } failed)
            {
                var target = _table.Get(failed.TargetId);
                if (target is not null && target.Member.IsLive)
                {
                    ApplySuspect(failed.TargetId, target.Member.Incarnation, _identity.Id, claim: null);
                }
            }

            _pendingProbe = null;
            if (_table.LiveCount == 0 && _candidates.Count > 0)
            {
                // Alone: keep knocking on the candidates we were given (a lost join must not leave us alone).
                foreach (var candidate in _candidates.Keys.OrderBy(_ => _random.Next()).Take(3).ToList())
                {
                    SendPushPull(candidate, ++_seq, isReply: false);
                }
            }

            var next = NextProbeTarget();
            if (next is null)
            {
                return;
            }

            var seq = ++_seq;
            _pendingProbe = new PendingProbe(next.Id, seq, next.Member.GossipEndPoint);
            var ping = new PingMessage { Seq = seq, TargetId = next.Id };
            if (next.Member.State == MemberState.Suspect && next.Claim is { } claim)
            {
                // Lifeguard's buddy system: tell a suspect member so, so it can refute (or send its newer alive) at once.
                ping.Updates = [claim];
            }

            SendMessage(next.Member.GossipEndPoint, ping, piggyback: true);
            _probeTimeoutTimer?.Change(_options.ProbeTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnProbeTimeout()
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            Statistics.CountProbeTimeout();
            if (_pendingProbe is not { Acked: false } probe)
            {
                return;
            }

            var request = new PingReqMessage
            {
                Seq = probe.Seq,
                TargetId = probe.TargetId,
                TargetAddress = probe.EndPoint.Address.GetAddressBytes(),
                TargetPort = probe.EndPoint.Port,
            };
            foreach (var helper in RandomMembers(_options.IndirectChecks, e => e.Member.State == MemberState.Alive && e.Id != probe.TargetId))
            {
                SendMessage(helper.Member.GossipEndPoint, request, piggyback: true);
            }

            // And once more directly: on a lossy link a second try halves the false suspicions for one datagram
            // (memberlist falls back to TCP here; we have no stream transport).
            SendMessage(probe.EndPoint, new PingMessage { Seq = probe.Seq, TargetId = probe.TargetId }, piggyback: false);
        }
    }

    private MemberEntry? NextProbeTarget()
    {
        if (_priorityProbe is { } priority && !_lastProbeWasPriority)
        {
            _priorityProbe = null;
            if (_table.Get(priority) is { Member.IsLive: true } suspect)
            {
                _lastProbeWasPriority = true;
                return suspect;
            }
        }

        _lastProbeWasPriority = false;
        for (var pass = 0; pass < 2; pass++)
        {
            while (_probeIndex < _probeOrder.Count)
            {
                var entry = _table.Get(_probeOrder[_probeIndex++]);
                if (entry is not null && entry.Member.IsLive)
                {
                    return entry;
                }
            }

            // End of the round: a new shuffled round over the current members.
            _probeOrder.Clear();
            _probeOrder.AddRange(_ids);
            for (var i = _probeOrder.Count - 1; i > 0; i--)
            {
                var j = _random.Next(i + 1);
                (_probeOrder[i], _probeOrder[j]) = (_probeOrder[j], _probeOrder[i]);
            }

            _probeIndex = 0;
        }

        return null;
    }

    private void OnGossipTick()
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            Statistics.CountGossipTick();
            var now = MonotonicNow;
            var targets = _broadcasts.Count == 0
                ? []
                : RandomMembers(_options.GossipFanout, e => e.Member.IsLive || now - e.StateChangedAt < _options.GossipToTheDeadTime);
            if (targets.Count == 0)
            {
                // Nothing to spread, or no one to spread it to: the timer stops until something is queued (a member
                // joining queues its alive), so an idle node does not wake 5 times a second for nothing; see WakeGossip.
                _gossipTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _gossipIdle = true;
                return;
            }
            foreach (var target in targets)
            {
                if (_broadcasts.Count == 0)
                {
                    break;
                }

                SendMessage(target.Member.GossipEndPoint, new GossipMessage(), piggyback: true);
            }
        }
    }

    /// <summary>An update was queued: a stopped gossip timer starts again, its first tick one interval from now.</summary>
    private void WakeGossip()
    {
        if (_gossipIdle && _gossipTimer is not null && !_stopped)
        {
            _gossipIdle = false;
            _gossipTimer.Change(_options.GossipInterval, _options.GossipInterval);
        }
    }

    private void OnPushPullTick()
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            foreach (var target in RandomMembers(1, e => e.Member.State == MemberState.Alive))
            {
                SendPushPull(target.Member.GossipEndPoint, ++_seq, isReply: false);
            }

            // Reconnect (as serf does): try one dead member, so a partition heals after gossip to the dead stopped.
            foreach (var target in RandomMembers(1, e => e.Member.State == MemberState.Dead))
            {
                SendPushPull(target.Member.GossipEndPoint, ++_seq, isReply: false);
            }

            _pushPullTimer?.Change(NextPushPullDelay(), Timeout.InfiniteTimeSpan);
        }
    }

    private TimeSpan NextPushPullDelay()
    {
        var interval = SuspicionMath.PushPullInterval(_options.PushPullInterval, _table.LiveCount + 1);
        if (_table.LiveCount > 0 && _catchUpExchanges < 4)
        {
            // Just joined: a few quick exchanges (1, 2, 4, 8 probe intervals) fill what a lossy first exchange missed.
            var quick = TimeSpan.FromTicks(_options.ProbeInterval.Ticks << _catchUpExchanges++);
            interval = quick < interval ? quick : interval;
        }

        // +-10% jitter so the whole mesh does not exchange state in the same instant.
        return TimeSpan.FromTicks((long)(interval.Ticks * (0.9 + (0.2 * _random.NextDouble()))));
    }

    /// <summary>Sends our full state (self first), split into parts that each fit one datagram.</summary>
    private void SendPushPull(IPEndPoint destination, long exchangeId, bool isReply)
    {
        var now = MonotonicNow;
        var states = new List<MemberUpdate> { _selfAlive };

        // Live members first: a receiver meeting them for the first time then knows the claimants of the claims after them.
        foreach (var entry in _table.Entries.OrderBy(e => e.Member.IsLive ? 0 : 1))
        {
            if (!entry.Member.IsLive && now - entry.StateChangedAt > _options.DeadMemberRetention)
            {
                continue;
            }

            if (StateRecord(entry) is { } record)
            {
                states.Add(record);
            }
        }

        var parts = Pack(states, _codec.MaxPayloadBytes - MessageOverhead);
        for (var i = 0; i < parts.Count; i++)
        {
            var message = new PushPullMessage { ExchangeId = exchangeId, IsReply = isReply, Part = i, PartCount = parts.Count, States = [.. parts[i]] };
            SendMessage(destination, message, piggyback: false);
        }
    }

    /// <summary>
    /// A member's record in our full state: its signed announcement while alive, else the signed claim (or its own leave)
    /// that made it suspect, dead or left. Null when there is none to send (nothing unsigned goes out: it would be dropped).
    /// </summary>
    private static MemberUpdate? StateRecord(MemberEntry entry) =>
        entry.Member.State == MemberState.Alive
            ? entry.Announcement.Incarnation == entry.Member.Incarnation ? entry.Announcement : null
            : entry.Claim;

    private void StartSuspicion(string id, long incarnation, string from, DateTimeOffset now)
    {
        CancelSuspicion(id);
        var members = _table.LiveCount + 1;
        var min = SuspicionMath.MinTimeout(_options.SuspicionMult, members, _options.ProbeInterval);
        var max = TimeSpan.FromTicks(min.Ticks * _options.SuspicionMaxTimeoutMult);
        var k = SuspicionMath.ExpectedConfirmations(_options.SuspicionMult, members);
        var suspicion = new Suspicion(incarnation, from, k, min, max, now);
        _suspicions[id] = suspicion;
        suspicion.Timer = _time.CreateTimer(_ => Guarded(() => OnSuspicionTimeout(id, suspicion)), null, suspicion.Timeout, Timeout.InfiniteTimeSpan);
    }

    private void RescheduleSuspicion(string id, Suspicion suspicion)
    {
        var remaining = suspicion.Deadline - MonotonicNow;
        suspicion.Timer?.Change(remaining > TimeSpan.Zero ? remaining : TimeSpan.FromTicks(1), Timeout.InfiniteTimeSpan);
    }

    private void CancelSuspicion(string id)
    {
        if (_suspicions.Remove(id, out var suspicion))
        {
            suspicion.Timer?.Dispose();
        }
    }

    private void OnSuspicionTimeout(string id, Suspicion suspicion)
    {
        lock (_lock)
        {
            if (_stopped || !_suspicions.TryGetValue(id, out var current) || !ReferenceEquals(current, suspicion))
            {
                return;
            }

            var entry = _table.Get(id);
            if (entry is not null && entry.Member.State == MemberState.Suspect)
            {
                ApplyDead(id, entry.Member.Incarnation, _identity.Id, claim: null);
            }
            else
            {
                CancelSuspicion(id);
            }
        }
    }

    /// <summary>Forgets dead and left members after the retention, and stale indirect probes.</summary>
    private void Reap(DateTimeOffset now)
    {
        foreach (var entry in _table.Entries.ToList())
        {
            if (!entry.Member.IsLive && now - entry.StateChangedAt > _options.DeadMemberRetention)
            {
                _table.Remove(entry.Id);
                _ids.Remove(entry.Id);
                _repoRepairs.Remove(entry.Id);
                _repoRequestsAnswered.Remove(entry.Id);
            }
        }

        foreach (var (seq, probe) in _indirect.ToList())
        {
            if (probe.Expires < now)
            {
                _indirect.Remove(seq);
            }
        }
    }

    /// <summary>Up to <paramref name="count"/> distinct random members matching <paramref name="filter"/> (sampled, not a full scan).</summary>
    private List<MemberEntry> RandomMembers(int count, Func<MemberEntry, bool> filter)
    {
        var result = new List<MemberEntry>(count);
        if (_ids.Count == 0 || count <= 0)
        {
            return result;
        }

        var attempts = Math.Min(_ids.Count * 2, (count * 8) + 8);
        for (var i = 0; i < attempts && result.Count < count; i++)
        {
            var entry = _table.Get(_ids[_random.Next(_ids.Count)]);
            if (entry is not null && filter(entry) && !result.Contains(entry))
            {
                result.Add(entry);
            }
        }

        if (result.Count < count && attempts < _ids.Count * 2)
        {
            // Few eligible among many: fall back to a scan.
            foreach (var id in _ids)
            {
                var entry = _table.Get(id);
                if (result.Count >= count)
                {
                    break;
                }

                if (entry is not null && filter(entry) && !result.Contains(entry))
                {
                    result.Add(entry);
                }
            }
        }

        return result;
    }

    private void SendMessage(IPEndPoint destination, MeshMessage message, bool piggyback)
    {
        var payload = MeshCodec.SerializePayload(message);
        if (piggyback && _broadcasts.Count > 0)
        {
            var budget = _codec.MaxPayloadBytes - payload.Length - 5;
            var updates = _broadcasts.Take(budget, SuspicionMath.RetransmitLimit(_options.RetransmitMult, _table.LiveCount + 1));
            if (updates.Count > 0)
            {
                var own = message.Updates;
                message.Updates = [.. own ?? [], .. updates];
                payload = MeshCodec.SerializePayload(message);
                message.Updates = own;
            }
        }

        var datagram = _codec.Seal(payload);
        if (datagram.Length > _options.MaxDatagramBytes)
        {
            LogOversizedSend(datagram.Length);
            Statistics.CountSendFailure();
            return;
        }

        if (_transport.Send(destination, datagram))
        {
            Statistics.CountOut(datagram.Length);
        }
        else
        {
            Statistics.CountSendFailure();
        }
    }

    private void SignUpdate(MemberUpdate update) => UpdateSigning.Sign(update, _identity);

    /// <summary>Our own claim that <paramref name="id"/> is suspect or dead at <paramref name="incarnation"/>, signed.</summary>
    private MemberUpdate OwnClaim(UpdateKind kind, string id, long incarnation) => ClaimSigning.Create(kind, id, incarnation, _identity);
}
