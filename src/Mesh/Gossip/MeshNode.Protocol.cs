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

            if (_pendingProbe is { Acked: false } failed)
            {
                var target = _table.Get(failed.TargetId);
                if (target is not null && target.Member.IsLive)
                {
                    ApplySuspect(failed.TargetId, target.Member.Incarnation, _identity.Id);
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
            SendMessage(next.Member.GossipEndPoint, new PingMessage { Seq = seq, TargetId = next.Id }, piggyback: true);
            _probeTimeoutTimer?.Change(_options.ProbeTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnProbeTimeout()
    {
        lock (_lock)
        {
            if (_stopped || _pendingProbe is not { Acked: false } probe)
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
            if (_stopped || _broadcasts.Count == 0)
            {
                return;
            }

            var now = MonotonicNow;
            var targets = RandomMembers(
                _options.GossipFanout,
                e => e.Member.IsLive || now - e.StateChangedAt < _options.GossipToTheDeadTime);
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
        foreach (var entry in _table.Entries)
        {
            if (!entry.Member.IsLive && now - entry.StateChangedAt > _options.DeadMemberRetention)
            {
                continue;
            }

            states.Add(StateRecord(entry));
        }

        const int PartOverhead = 48;
        var budget = _codec.MaxPayloadBytes - PartOverhead;
        var parts = new List<List<MemberUpdate>>();
        var part = new List<MemberUpdate>();
        var used = 0;
        foreach (var state in states)
        {
            var size = MeshCodec.SizeOf(state);
            if (size > budget)
            {
                continue;
            }

            if (used + size > budget || part.Count >= WireValidation.MaxUpdatesPerMessage)
            {
                parts.Add(part);
                part = [];
                used = 0;
            }

            part.Add(state);
            used += size;
        }

        parts.Add(part);
        for (var i = 0; i < parts.Count; i++)
        {
            var message = new PushPullMessage { ExchangeId = exchangeId, IsReply = isReply, Part = i, PartCount = parts.Count, States = [.. parts[i]] };
            SendMessage(destination, message, piggyback: false);
        }
    }

    private static MemberUpdate StateRecord(MemberEntry entry)
    {
        var kind = entry.Member.State switch
        {
            MemberState.Alive => UpdateKind.Alive,
            MemberState.Suspect => UpdateKind.Suspect,
            MemberState.Dead => UpdateKind.Dead,
            _ => UpdateKind.Left,
        };
        if (kind == UpdateKind.Alive && entry.Announcement.Incarnation == entry.Member.Incarnation)
        {
            return entry.Announcement;
        }

        // Non-alive records carry only what the merge rules need; the signed announcement stays alive-only.
        return new MemberUpdate { Kind = kind, NodeId = entry.Id, Incarnation = entry.Member.Incarnation };
    }

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
                ApplyDead(id, entry.Member.Incarnation, _identity.Id);
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
                message.Updates = [.. updates];
                payload = MeshCodec.SerializePayload(message);
                message.Updates = null;
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
}
