using System.Collections.Immutable;
using System.Net;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Transport;
using PeerMesh.Mesh.Wire;

namespace PeerMesh.Mesh.Gossip;

/// <summary>Receiving: decode, authenticate, validate, merge (SWIM rules), answer.</summary>
internal sealed partial class MeshNode
{
    private void OnDatagram(ReceivedDatagram datagram)
    {
        // Before the node lock and before decoding: a flood costs a dictionary lookup per datagram (HOSTILE 11).
        if (!_rateLimiter.TryAcquire(datagram.Source, out var startedLimiting))
        {
            Statistics.CountIn(datagram.Data.Length);
            Statistics.CountDrop(DropReason.RateLimited);
            if (startedLimiting)
            {
                LogRateLimited(datagram.Source, _options.MaxDatagramsPerSourcePerSecond);
            }

            return;
        }

        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            try
            {
                Handle(datagram);
            }
            catch (Exception ex)
            {
                // Never out of the receive path: count it like any other bad datagram.
                Statistics.CountDrop(DropReason.Malformed);
                LogHandlerFailed(datagram.Source, ex);
            }
        }
    }

    private void Handle(ReceivedDatagram datagram)
    {
        Statistics.CountIn(datagram.Data.Length);
        var decoded = _codec.Decode(datagram.Data);
        if (decoded.DropReason is { } reason)
        {
            Statistics.CountDrop(reason);
            if (reason is DropReason.UnknownVersion or DropReason.WrongMesh or DropReason.KeyMismatch)
            {
                WarnOncePerSource(datagram.Source.Address, reason);
            }

            return;
        }

        var message = decoded.Message!;
        var sender = decoded.SenderId!;
        var source = datagram.Source;
        if (message.Updates is { Length: > WireValidation.MaxUpdatesPerMessage })
        {
            Statistics.CountDrop(DropReason.Invalid);
            return;
        }

        _heardStaleClaimAboutUs = false;
        _repoTouched.Clear();
        foreach (var update in RemovalsFirst(message.Updates))
        {
            ApplyUpdate(update, source, sender, fromPushPull: false);
        }

        switch (message)
        {
            case PingMessage ping:
                if (ping.TargetId != _identity.Id)
                {
                    Statistics.CountDrop(DropReason.Misdirected);
                    break;
                }

                var answer = Answer(ping, sender, source);
                if (_heardStaleClaimAboutUs)
                {
                    // The prober holds us suspect or dead below our incarnation: it missed our refutation. Ours goes with the ack.
                    answer.Updates = [_selfAlive];
                }

                SendMessage(source, answer, piggyback: true);
                break;
            case AckMessage ack:
                if (TryTakeChallenge(ack, source, out var challenge))
                {
                    CheckProof(challenge, ack);
                }
                else if (_pendingProbe is { } probe && probe.Seq == ack.Seq)
                {
                    probe.Acked = true;
                    _probeTimeoutTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan); // answered: no wakeup for nothing
                }
                else if (_indirect.Remove(ack.Seq, out var relay))
                {
                    SendMessage(relay.Requester, new AckMessage { Seq = relay.RequesterSeq }, piggyback: true);
                }

                break;
            case PingReqMessage request:
                if (!WireValidation.IsNodeId(request.TargetId) || !WireValidation.TryParseAddress(request.TargetAddress, out var targetAddress)
                    || request.TargetPort is <= 0 or > 65535 || WireValidation.IsUnusable(targetAddress) || WireValidation.IsUnspecified(targetAddress))
                {
                    Statistics.CountDrop(DropReason.Invalid);
                    break;
                }

                if (_indirect.Count < 1024)
                {
                    var seq = ++_seq;
                    _indirect[seq] = new IndirectProbe(source, request.Seq, MonotonicNow + _options.ProbeInterval);
                    SendMessage(new IPEndPoint(targetAddress, request.TargetPort), new PingMessage { Seq = seq, TargetId = request.TargetId }, piggyback: true);
                }

                break;
            case PushPullMessage pushPull:
                foreach (var state in pushPull.States ?? [])
                {
                    ApplyUpdate(state, source, sender, fromPushPull: true);
                }

                // A request or a reply from it: it has our state (it asked, and gets the reply below; or it answered ours).
                if (_exchangedWith.Count >= MaxCandidates)
                {
                    _exchangedWith.Clear();
                }

                _exchangedWith.Add(sender);

                var exchangeKey = sender + "@" + source;
                if (!pushPull.IsReply && _answeredExchanges.GetValueOrDefault(exchangeKey, long.MinValue) != pushPull.ExchangeId)
                {
                    if (_answeredExchanges.Count >= MaxCandidates)
                    {
                        _answeredExchanges.Clear();
                    }

                    _answeredExchanges[exchangeKey] = pushPull.ExchangeId;
                    SendPushPull(source, pushPull.ExchangeId, isReply: true);
                }

                break;
            case RepoRequestMessage:
                AnswerRepoRequest(sender, source);
                break;
            case RepoListMessage list:
                if (list.Statements is { Length: > WireValidation.MaxUpdatesPerMessage })
                {
                    Statistics.CountDrop(DropReason.Invalid);
                    break;
                }

                foreach (var statement in list.Statements ?? [])
                {
                    ApplyListedStatement(statement);
                }

                break;
        }

        CheckTouchedRepoSets();
        NoteContact(sender, source);
    }

    /// <summary>
    /// A misconfigured or foreign node (other version, other mesh, other key) is worth one line per source and
    /// reason, not one per datagram (HOSTILE 2, 6, 43). Bounded: past the cap new sources are only counted.
    /// </summary>
    private void WarnOncePerSource(IPAddress source, string reason)
    {
        if (_warnedSources.Count < MaxCandidates && _warnedSources.Add((source, reason)))
        {
            LogForeignDatagram(source, reason);
        }
    }

    /// <summary>Last-seen refresh for the sender, and how it was found when it answers at a candidate's address.</summary>
    private void NoteContact(string sender, IPEndPoint source)
    {
        var entry = _table.Get(sender);
        if (entry is null)
        {
            return;
        }

        var found = _candidates.GetValueOrDefault(source) | _candidateIds.GetValueOrDefault(sender);
        var member = entry.Member with { LastSeen = _time.GetUtcNow() };
        if ((member.FoundBy | found) != member.FoundBy)
        {
            _table.Set(entry with { Member = member with { FoundBy = member.FoundBy | found } });
        }
        else
        {
            _table.Touch(entry with { Member = member });
        }
    }

    private void AddFoundBy(MemberEntry entry, DiscoverySource source)
    {
        if ((entry.Member.FoundBy | source) != entry.Member.FoundBy)
        {
            _table.Set(entry with { Member = entry.Member with { FoundBy = entry.Member.FoundBy | source } });
        }
    }

    private void ApplyUpdate(MemberUpdate update, IPEndPoint source, string sender, bool fromPushPull)
    {
        if (update is null || !WireValidation.IsNodeId(update.NodeId))
        {
            Statistics.CountDrop(DropReason.Invalid);
            return;
        }

        if (update.NodeId == _identity.Id)
        {
            HandleAboutSelf(update);
            return;
        }

        switch (update.Kind)
        {
            case UpdateKind.Alive:
                ApplyAlive(update, source, sender);
                break;
            case UpdateKind.Suspect or UpdateKind.Dead:
                ApplyClaim(update, sender, fromPushPull);
                break;
            case UpdateKind.Left:
                ApplyLeft(update);
                break;
            case UpdateKind.Repo:
                var known = _table.Get(update.NodeId);
                ApplyRepo(update, relay: true);
                ChallengeIfMoved(known, update, source, sender);
                break;
            case UpdateKind.RepoRemoved:
                ApplyRepoRemoved(update, relay: true);
                break;
            default:
                Statistics.CountDrop(DropReason.Invalid);
                break;
        }
    }

    /// <summary>A statement of a repository list: applied like a gossiped one, not relayed; nothing else belongs there.</summary>
    private void ApplyListedStatement(MemberUpdate statement)
    {
        if (statement is null || !WireValidation.IsNodeId(statement.NodeId) || statement.Kind is not (UpdateKind.Repo or UpdateKind.RepoRemoved))
        {
            Statistics.CountDrop(DropReason.Invalid);
            return;
        }

        if (statement.NodeId == _identity.Id)
        {
            HandleAboutSelf(statement);
        }
        else if (statement.Kind == UpdateKind.Repo)
        {
            ApplyRepo(statement, relay: false);
        }
        else
        {
            ApplyRepoRemoved(statement, relay: false);
        }
    }

    private static string ValidFrom(string? from, string sender) => WireValidation.IsNodeId(from) ? from! : sender;

    /// <param name="proven">Set when <paramref name="source"/> has just proven it is the member's address (see <see cref="AddressProof"/>).</param>
    private void ApplyAlive(MemberUpdate update, IPEndPoint source, string sender, bool proven = false)
    {
        if (!WireValidation.IsDisplayName(update.Name) || update.GitPort is < 0 or > 65535)
        {
            Statistics.CountDrop(DropReason.Invalid);
            return;
        }

        if (!WireValidation.IsRepoSetSummary(update))
        {
            Statistics.CountDrop(DropReason.InvalidRepoSet);
            return;
        }

        if (!TryResolveEndPoint(update, source, sender, out var endPoint, out var signedAddress))
        {
            Statistics.CountDrop(DropReason.InvalidAddress);
            return;
        }

        var current = _table.Get(update.NodeId);
        var decision = MergeRules.Decide(current?.Member, UpdateKind.Alive, update.Incarnation);
        if (decision == MergeDecision.Ignore)
        {
            if (current is not null && update.Incarnation == current.Member.Incarnation && current.Member.State == MemberState.Alive)
            {
                if (proven && !endPoint.Equals(current.Member.GossipEndPoint))
                {
                    // The update was applied at the old address while this one was being proven: move now.
                    MoveMember(current, endPoint);
                }
                else if (sender == update.NodeId && !endPoint.Equals(current.Member.GossipEndPoint))
                {
                    // Same incarnation from another address: two processes share an id, or a replay (HOSTILE 9, 20). Keep the first.
                    NoteConflict(current, endPoint);
                }
            }

            return;
        }

        if (current is null && _table.Count >= _options.MaxMembers)
        {
            Statistics.CountDrop(DropReason.MemberCap);
            return;
        }

        if (!IsPlausibleIncarnation(update.Incarnation))
        {
            Statistics.CountDrop(DropReason.ImplausibleIncarnation);
            return;
        }

        if (_options.RequireSignatures && !UpdateSigning.Verify(update))
        {
            Statistics.CountDrop(DropReason.BadSignature);
            return;
        }

        if (!signedAddress && !proven && _options.RequireSignatures && !endPoint.Equals(current?.Member.GossipEndPoint))
        {
            // Nobody signed this address (HOSTILE 9): ask it to prove it. Meanwhile a live member keeps its address.
            Challenge(update, endPoint, claimedBySender: sender == update.NodeId);
            if (current is not { Member.IsLive: true })
            {
                return;
            }

            endPoint = current.Member.GossipEndPoint;
        }

        // The alive carries only the summary of the member's repositories; those held stay until the summary says otherwise.
        var repos = current?.Member.Repos ?? [];
        var now = MonotonicNow;
        if (current is not null && !current.Member.GossipEndPoint.Equals(endPoint))
        {
            LogAddressChanged(update.NodeId, current.Member.GossipEndPoint, endPoint);
        }

        var foundBy = (current?.Member.FoundBy ?? DiscoverySource.Gossip) | _candidateIds.GetValueOrDefault(update.NodeId);
        var member = new Member(
            update.NodeId,
            update.Name!,
            update.Incarnation,
            MemberState.Alive,
            endPoint,
            update.GitPort,
            repos,
            foundBy,
            current?.Member.LastSeen ?? _time.GetUtcNow())
        {
            ConflictingEndPoint = current?.Member.ConflictingEndPoint,
            ConflictAt = current?.Member.ConflictAt,
        };
        var relay = update.Clone();
        relay.From = null;
        relay.ObservedAddress = NeedsObservedAddress(update, source) ? endPoint.Address.GetAddressBytes() : null;
        var changedAt = current is null || current.Member.State != MemberState.Alive ? now : current.StateChangedAt;
        if (current is null)
        {
            _ids.Add(update.NodeId);
            LogMemberJoined(update.NodeId, update.Name!, endPoint);
        }
        else if (current.Member.State != MemberState.Alive)
        {
            LogMemberAlive(Who(update.NodeId), current.Member.State);
        }

        CancelSuspicion(update.NodeId);
        _table.Set(new MemberEntry(member, relay, changedAt) { RepoState = WithAliveSummary(current?.RepoState ?? MemberRepoState.Empty, update) });
        _repoTouched.Add(update.NodeId);
        _broadcasts.Enqueue(relay);
        if (_catchUpExchanges == 0 && _table.LiveCount == 1 && _started)
        {
            // Our first member: start the quick catch-up exchanges now rather than after a full push-pull interval.
            _pushPullTimer?.Change(NextPushPullDelay(), Timeout.InfiniteTimeSpan);
        }
    }

    private static bool NeedsObservedAddress(MemberUpdate update, IPEndPoint source) =>
        WireValidation.TryParseAddress(update.Address, out var advertised)
        && (WireValidation.IsUnspecified(advertised) || (IPAddress.IsLoopback(advertised) && !IPAddress.IsLoopback(source.Address)));

    /// <summary>
    /// The member's gossip endpoint: its advertised address, or, when that is unspecified (or loopback seen
    /// from another host), the packet's source if the member itself sent it, else what a relay observed.
    /// Only the first is signed (<paramref name="signedAddress"/>); the others must be proven before use.
    /// </summary>
    private static bool TryResolveEndPoint(MemberUpdate update, IPEndPoint source, string sender, out IPEndPoint endPoint, out bool signedAddress)
    {
        endPoint = source;
        signedAddress = false;
        if (update.Port is <= 0 or > 65535 || !WireValidation.TryParseAddress(update.Address, out var advertised) || WireValidation.IsUnusable(advertised))
        {
            return false;
        }

        if (!NeedsObservedAddress(update, source))
        {
            endPoint = new IPEndPoint(advertised, update.Port);
            signedAddress = true;
            return true;
        }

        if (sender == update.NodeId)
        {
            endPoint = new IPEndPoint(source.Address, update.Port);
            return true;
        }

        if (WireValidation.TryParseAddress(update.ObservedAddress, out var observed) && !WireValidation.IsUnspecified(observed) && !WireValidation.IsUnusable(observed))
        {
            endPoint = new IPEndPoint(observed, update.Port);
            return true;
        }

        return false;
    }

    /// <summary>
    /// A suspect or dead claim about another member (HOSTILE 46). Believed only when it moves the member forward, is not
    /// above the incarnation the member itself announced (no honest prober can know a higher one, so a claim there is one
    /// the member might be unable to refute), is signed by its claimant, and the claimant is a member we know. Cheap
    /// checks first: a replayed or repeated claim costs no signature check. A dead record in someone's full state only
    /// starts a suspicion here (memberlist does the same).
    /// </summary>
    private void ApplyClaim(MemberUpdate claim, string sender, bool fromPushPull)
    {
        var id = claim.NodeId;
        var kind = fromPushPull ? UpdateKind.Suspect : claim.Kind;
        var current = _table.Get(id);
        var decision = MergeRules.Decide(current?.Member, kind, claim.Incarnation);
        if (decision == MergeDecision.Ignore)
        {
            return;
        }

        if (claim.Incarnation > current!.Member.Incarnation || !IsPlausibleIncarnation(claim.Incarnation))
        {
            Statistics.CountDrop(DropReason.ImplausibleIncarnation);
            return;
        }

        if (!_options.RequireSignatures)
        {
            var unverified = ValidFrom(claim.From, sender);
            if (kind == UpdateKind.Dead)
            {
                ApplyDead(id, claim.Incarnation, unverified, claim: null);
            }
            else
            {
                ApplySuspect(id, claim.Incarnation, unverified, claim: null);
            }

            return;
        }

        if (decision == MergeDecision.Confirm && claim.From is { } voice
            && (!_suspicions.TryGetValue(id, out var running) || running.HasHeardFrom(voice)))
        {
            return;
        }

        if (!IsVerifiedClaim(claim, requireKnownClaimant: true))
        {
            return;
        }

        if (claim.Kind == UpdateKind.Dead && fromPushPull)
        {
            // Counted as the claimant's voice; relayed as a suspicion of ours (a dead claim relayed would kill at once).
            ApplySuspect(id, claim.Incarnation, claim.From!, claim: null);
        }
        else if (kind == UpdateKind.Dead)
        {
            ApplyDead(id, claim.Incarnation, claim.From!, Relayable(claim));
        }
        else
        {
            ApplySuspect(id, claim.Incarnation, claim.From!, Relayable(claim));
        }
    }

    /// <summary>True when <paramref name="claim"/> is signed by the claimant it names (and, if required, one we know); else counted.</summary>
    private bool IsVerifiedClaim(MemberUpdate claim, bool requireKnownClaimant)
    {
        if (!WireValidation.IsNodeId(claim.From))
        {
            Statistics.CountDrop(DropReason.BadSignature);
            return false;
        }

        if (requireKnownClaimant && claim.From != _identity.Id && _table.Get(claim.From!) is null)
        {
            Statistics.CountDrop(DropReason.UnknownClaimant);
            return false;
        }

        if (!ClaimSigning.Verify(claim))
        {
            Statistics.CountDrop(DropReason.BadSignature);
            return false;
        }

        return true;
    }

    /// <summary>The signed parts of a claim only: what a relay adds beside the signature is not passed on.</summary>
    private static MemberUpdate Relayable(MemberUpdate claim) => new()
    {
        Kind = claim.Kind,
        NodeId = claim.NodeId,
        Incarnation = claim.Incarnation,
        From = claim.From,
        PublicKey = claim.PublicKey,
        Signature = claim.Signature,
    };

    /// <param name="claim">The signed claim to keep and relay; null = ours, signed here when needed.</param>
    private void ApplySuspect(string id, long incarnation, string from, MemberUpdate? claim)
    {
        var current = _table.Get(id);
        var decision = MergeRules.Decide(current?.Member, UpdateKind.Suspect, incarnation);
        if (decision == MergeDecision.Ignore)
        {
            return;
        }

        if (decision == MergeDecision.Confirm)
        {
            if (_suspicions.TryGetValue(id, out var running) && running.Confirm(from))
            {
                RescheduleSuspicion(id, running);
                _broadcasts.Enqueue(claim ?? OwnClaim(UpdateKind.Suspect, id, incarnation));
            }

            return;
        }

        claim ??= OwnClaim(UpdateKind.Suspect, id, incarnation);
        var now = MonotonicNow;
        _table.Set(current! with { Member = current.Member with { State = MemberState.Suspect, Incarnation = incarnation }, StateChangedAt = now, Claim = claim });
        LogMemberSuspect(Who(id), Who(from));
        StartSuspicion(id, incarnation, from, now);
        if (from != _identity.Id)
        {
            // Check the rumour with our next probe instead of waiting for our round robin to reach it:
            // independent confirmations then arrive within about one probe interval (Lifeguard shortens the timeout).
            // One slot only, so a storm of rumours cannot starve the round robin.
            _priorityProbe ??= id;
        }

        _broadcasts.Enqueue(claim);
    }

    /// <param name="claim">The signed claim to keep and relay; null = ours, signed here.</param>
    private void ApplyDead(string id, long incarnation, string from, MemberUpdate? claim)
    {
        var current = _table.Get(id);
        if (MergeRules.Decide(current?.Member, UpdateKind.Dead, incarnation) != MergeDecision.Apply)
        {
            return;
        }

        claim ??= OwnClaim(UpdateKind.Dead, id, incarnation);
        CancelSuspicion(id);
        _table.Set(current! with { Member = current.Member with { State = MemberState.Dead, Incarnation = incarnation }, StateChangedAt = MonotonicNow, Claim = claim });
        LogMemberDead(Who(id), Who(from));
        _broadcasts.Enqueue(claim);
    }

    private void ApplyLeft(MemberUpdate update)
    {
        var current = _table.Get(update.NodeId);
        if (MergeRules.Decide(current?.Member, UpdateKind.Left, update.Incarnation) != MergeDecision.Apply)
        {
            return;
        }

        if (!IsPlausibleIncarnation(update.Incarnation))
        {
            Statistics.CountDrop(DropReason.ImplausibleIncarnation);
            return;
        }

        if (_options.RequireSignatures && !UpdateSigning.Verify(update))
        {
            Statistics.CountDrop(DropReason.BadSignature);
            return;
        }

        var relay = update.Clone();
        relay.From = null;
        relay.ObservedAddress = null;
        CancelSuspicion(update.NodeId);
        _table.Set(current! with
        {
            Member = current.Member with { State = MemberState.Left, Incarnation = update.Incarnation },
            StateChangedAt = MonotonicNow,
            Claim = relay,
        });
        LogMemberLeft(Who(update.NodeId));
        _broadcasts.Enqueue(relay);
    }

    /// <summary>
    /// Someone talks about us: refute a suspicion, death or stale alive by raising our incarnation. Only what can be
    /// genuine is refuted (HOSTILE 46): our own statements must carry our signature (a previous life, or another process
    /// with our key), claims their claimant's signature (whoever it is: we may not know a new member yet while others
    /// do, and refuting costs one incarnation), and nothing above what we can refute to (our clock + the lead) is believed.
    /// </summary>
    private void HandleAboutSelf(MemberUpdate update)
    {
        if (_leaving)
        {
            return;
        }

        switch (update.Kind)
        {
            case UpdateKind.Alive:
                if (update.RepoSetVersion > _repoSetVersion && IsOwnStatement(update))
                {
                    // Our previous life's repository set is newer than ours: members would take our statements for old.
                    RaiseRepoSetAbove(update.RepoSetVersion);
                }

                if ((update.Incarnation > _incarnation
                    || (update.Incarnation == _incarnation && !SameAnnouncement(update, _selfAlive)))
                    && CanRefuteAbove(update.Incarnation) && IsOwnStatement(update))
                {
                    // Our previous life, or another process with our key (HOSTILE 20). Refute, but not again within a
                    // minute: two live copies would otherwise out-bid each other forever and peers' URLs would flip-flop.
                    var now = MonotonicNow;
                    if (now - _lastConflictRefute < ConflictRefuteInterval)
                    {
                        Statistics.CountConflict();
                        break;
                    }

                    _lastConflictRefute = now;
                    Refute(update.Incarnation);
                }

                break;
            case UpdateKind.Left:
                if (update.Incarnation >= _incarnation && CanRefuteAbove(update.Incarnation) && IsOwnStatement(update))
                {
                    Refute(update.Incarnation);
                }

                break;
            case UpdateKind.Suspect or UpdateKind.Dead:
                _heardStaleClaimAboutUs |= update.Incarnation < _incarnation;
                if (update.Incarnation >= _incarnation && CanRefuteAbove(update.Incarnation)
                    && (!_options.RequireSignatures || IsVerifiedClaim(update, requireKnownClaimant: false)))
                {
                    Refute(update.Incarnation);
                }

                break;
            case UpdateKind.Repo or UpdateKind.RepoRemoved:
                HandleOwnRepoStatement(update);
                break;
        }
    }

    /// <summary>Same address, ports, name and repository set: an echo of our own announcement rather than of a previous life.</summary>
    private static bool SameAnnouncement(MemberUpdate a, MemberUpdate b) =>
        a.Port == b.Port && a.GitPort == b.GitPort && a.Name == b.Name && a.RepoSetVersion == b.RepoSetVersion
        && (a.Address ?? []).AsSpan().SequenceEqual(b.Address ?? []);

    /// <summary>A statement about us that only our key can have signed; counted when it was not.</summary>
    private bool IsOwnStatement(MemberUpdate update)
    {
        if (!_options.RequireSignatures || UpdateSigning.Verify(update))
        {
            return true;
        }

        Statistics.CountDrop(DropReason.BadSignature);
        return false;
    }

    /// <summary>False (and counted) when <paramref name="heard"/> is above what we may raise our incarnation to.</summary>
    private bool CanRefuteAbove(long heard)
    {
        if (heard >= 0 && heard <= OwnIncarnationCap)
        {
            return true;
        }

        Statistics.CountDrop(DropReason.ImplausibleIncarnation);
        return false;
    }

    /// <summary>
    /// Raises our incarnation above <paramref name="heard"/> and ours, and announces it. Past our clock + the lead it
    /// waits for the clock instead (retried every probe tick, so at most about one refutation per second goes past the lead).
    /// </summary>
    private void Refute(long heard)
    {
        var target = IncarnationMath.Next(Math.Max(_incarnation, heard));
        if (target > OwnIncarnationCap)
        {
            _pendingRefutation = Math.Max(_pendingRefutation ?? heard, heard);
            return;
        }

        _pendingRefutation = null;
        _incarnation = target;
        RebuildSelfAlive();
        _broadcasts.Enqueue(_selfAlive);
        LogRefuted(_incarnation);
    }

    private void RetryPendingRefutation()
    {
        if (_pendingRefutation is not { } heard)
        {
            return;
        }

        if (heard < _incarnation || _leaving)
        {
            // Already above it (an announcement since), or going away anyway.
            _pendingRefutation = null;
            return;
        }

        Refute(heard);
    }
}
