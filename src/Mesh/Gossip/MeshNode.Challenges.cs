using System.Diagnostics.CodeAnalysis;
using System.Net;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Security;
using PeerMesh.Mesh.Wire;

namespace PeerMesh.Mesh.Gossip;

/// <summary>
/// Address challenges (HOSTILE 9): an address nobody signed is believed only after the member answers
/// a ping sent there with a signed proof (see <see cref="AddressProof"/>).
/// </summary>
internal sealed partial class MeshNode
{
    private const int MaxChallenges = 256;

    /// <summary>
    /// Tries per challenge, one probe interval apart (8 s on a LAN): a lost ping or ack must not keep a member
    /// out. At 25 % loss one try fails 44 % of the time, eight fail 0.14 % of the time; then the next copy of
    /// its announcement (push-pull) starts over. Not backed off: a joiner proves itself to every member, and
    /// the slowest of those proofs is how long the join takes.
    /// </summary>
    private const int ChallengeAttempts = 8;

    /// <summary>Proofs signed per second at most, from all sources together: signing costs CPU anyone can ask for.</summary>
    private const int MaxProofsPerSecond = 200;

    private static readonly TimeSpan ConflictRefreshInterval = TimeSpan.FromSeconds(10);
    private static readonly IPEndPoint s_everyone = new(IPAddress.None, 0);

    private readonly Dictionary<long, AddressChallenge> _challenges = [];
    private readonly SourceRateLimiter _proofBudget;

    /// <summary>
    /// Our answer to a ping; with a proof when the ping is a challenge and the proof budget allows (one
    /// bucket for all sources; an honest challenger whose proof was refused asks again a probe interval later).
    /// </summary>
    private AckMessage Answer(PingMessage ping, string challengerId, IPEndPoint source)
    {
        if (ping.Nonce is not { Length: AddressProof.NonceSize } nonce)
        {
            return new AckMessage { Seq = ping.Seq };
        }

        if (!_proofBudget.TryAcquire(s_everyone, out _))
        {
            Statistics.CountDrop(DropReason.ProofBudget);
            return new AckMessage { Seq = ping.Seq };
        }

        return AddressProof.Answer(_identity, ping.Seq, nonce, challengerId, source);
    }

    /// <summary>Sends a challenge to <paramref name="endPoint"/> for the member of <paramref name="alive"/>, once per address at a time.</summary>
    private void Challenge(MemberUpdate alive, IPEndPoint endPoint, bool claimedBySender)
    {
        foreach (var pending in _challenges.Values)
        {
            if (pending.EndPoint.Equals(endPoint) && pending.Alive.NodeId == alive.NodeId)
            {
                if (alive.Incarnation > pending.Alive.Incarnation)
                {
                    pending.Alive = alive;
                }

                return;
            }
        }

        if (_challenges.Count >= MaxChallenges)
        {
            Statistics.CountDrop(DropReason.UnprovenAddress);
            return;
        }

        SendChallenge(new AddressChallenge(endPoint, claimedBySender) { Alive = alive });
    }

    /// <summary>(Re)sends <paramref name="challenge"/> with a fresh sequence number and nonce.</summary>
    private void SendChallenge(AddressChallenge challenge)
    {
        var seq = ++_seq;
        challenge.Nonce = SecureRandom.Bytes(AddressProof.NonceSize);
        challenge.Attempts++;
        challenge.Expires = MonotonicNow + _options.ProbeInterval;
        _challenges[seq] = challenge;
        SendMessage(challenge.EndPoint, new PingMessage { Seq = seq, TargetId = challenge.Alive.NodeId, Nonce = challenge.Nonce }, piggyback: false);
    }

    /// <summary>The answer to a challenge, from the challenged address (an ack from elsewhere does not end the challenge).</summary>
    private bool TryTakeChallenge(AckMessage ack, IPEndPoint source, [NotNullWhen(true)] out AddressChallenge? challenge) =>
        _challenges.TryGetValue(ack.Seq, out challenge) && source.Equals(challenge.EndPoint) && _challenges.Remove(ack.Seq);

    private void CheckProof(AddressChallenge challenge, AckMessage ack)
    {
        var alive = challenge.Alive;
        var proven = WireValidation.TryParseAddress(ack.SeenAddress, out var seen)
            && ack.SeenPort == _transport.LocalEndPoint.Port
            && _transport.IsLocalAddress(seen)
            && AddressProof.Verify(alive.PublicKey!, challenge.Nonce, _identity.Id, alive.NodeId, new IPEndPoint(seen, ack.SeenPort), ack.Proof);
        if (!proven)
        {
            // Something answered there, but not as the member: a spoofed id.
            Unproven(challenge, conflict: true);
            return;
        }

        ApplyAlive(alive, challenge.EndPoint, alive.NodeId, proven: true);
    }

    /// <summary>Challenges that got no answer in time are sent again; after the last try the address is not believed.</summary>
    private void ExpireChallenges(DateTimeOffset now)
    {
        foreach (var (seq, challenge) in _challenges.ToList())
        {
            if (challenge.Expires <= now)
            {
                _challenges.Remove(seq);
                if (challenge.Attempts < ChallengeAttempts)
                {
                    SendChallenge(challenge);
                    continue;
                }

                // Silence is a conflict only when the member is known elsewhere; else it may be loss.
                Unproven(challenge, conflict: challenge.ClaimedBySender && _table.Get(challenge.Alive.NodeId) is { Member.IsLive: true });
            }
        }
    }

    private void Unproven(AddressChallenge challenge, bool conflict)
    {
        Statistics.CountDrop(DropReason.UnprovenAddress);
        if (conflict)
        {
            if (_table.Get(challenge.Alive.NodeId) is { } known)
            {
                NoteConflict(known, challenge.EndPoint);
            }
            else
            {
                Statistics.CountConflict();
            }
        }

        if (_warnedSources.Count < MaxCandidates && _warnedSources.Add((challenge.EndPoint.Address, DropReason.UnprovenAddress)))
        {
            LogUnprovenAddress(challenge.Alive.NodeId, challenge.EndPoint);
        }
    }

    /// <summary>Counts a claim of <paramref name="entry"/>'s id from <paramref name="claimedAt"/> and shows it on the member.</summary>
    private void NoteConflict(MemberEntry entry, IPEndPoint claimedAt)
    {
        Statistics.CountConflict();
        var now = _time.GetUtcNow();
        var member = entry.Member;
        if (!claimedAt.Equals(member.ConflictingEndPoint) || member.ConflictAt is not { } at || now - at >= ConflictRefreshInterval)
        {
            // Not a table change per replayed datagram: status readers are woken at most every few seconds by it.
            _table.Set(entry with { Member = member with { ConflictingEndPoint = claimedAt, ConflictAt = now } });
        }
    }

    /// <summary>A live member proved a new address for its current incarnation.</summary>
    private void MoveMember(MemberEntry current, IPEndPoint endPoint)
    {
        LogAddressChanged(current.Id, current.Member.GossipEndPoint, endPoint);
        var announcement = current.Announcement.Clone();
        announcement.ObservedAddress = endPoint.Address.GetAddressBytes();
        _table.Set(current with { Member = current.Member with { GossipEndPoint = endPoint }, Announcement = announcement });
    }

    private sealed class AddressChallenge(IPEndPoint endPoint, bool claimedBySender)
    {
        public IPEndPoint EndPoint { get; } = endPoint;

        /// <summary>The member's own datagram claimed it (else a relay's observation did).</summary>
        public bool ClaimedBySender { get; } = claimedBySender;

        /// <summary>The newest announcement waiting for the proof.</summary>
        public required MemberUpdate Alive { get; set; }

        public byte[] Nonce { get; set; } = [];

        public DateTimeOffset Expires { get; set; }

        public int Attempts { get; set; }
    }
}
