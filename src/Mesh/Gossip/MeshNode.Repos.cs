using System.Collections.Immutable;
using System.Net;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Wire;

namespace PeerMesh.Mesh.Gossip;

/// <summary>
/// Repositories: what this node serves and how it says so, and what members serve as we learn it.
/// An alive carries only a summary of the set (set version, count, digest of the ids); each repository is its own
/// signed statement, disseminated like any update and sent at once to the members serving it; a removal is a signed
/// statement too. A receiver whose held set differs from a member's summary asks that member for its statements.
/// </summary>
internal sealed partial class MeshNode
{
    /// <summary>
    /// More repositories than this changed at once (a node starting with many) are not gossiped one by one: every
    /// member asks for the whole set once it sees the new summary, which costs fewer datagrams.
    /// </summary>
    private const int MaxGossipedRepoChanges = 16;

    /// <summary>
    /// Repository requests to a member back off to at most 2^this probe intervals apart (8 s on a LAN): a member that
    /// does not know us yet refuses the first ones, and a member lying about its set costs little.
    /// </summary>
    private const int MaxRepairBackoffShift = 3;

    private readonly List<WireRepo> _localRepos = [];
    private readonly Dictionary<string, MemberUpdate> _repoStatements = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RepoRepair> _repoRepairs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _repoRequestsAnswered = new(StringComparer.Ordinal);
    private readonly HashSet<string> _repoTouched = new(StringComparer.Ordinal);
    private long _repoSetVersion;
    private byte[] _repoSetDigest = RepoSetSummary.Digest([]);

    /// <summary>
    /// Replaces the repositories this node serves (at most <c>MaxReposPerMember</c>, ids and paths unique). A repository
    /// already served keeps its refs digest and version (they move through <see cref="PublishLocalRefs(string, string)"/>) unless the
    /// list brings a higher version; a new name or path is announced with a new refs version. Adding or removing a
    /// repository raises the set version, re-announces our alive and tells every member at once: gossip, and a direct
    /// datagram to each live member serving an added or removed repository.
    /// </summary>
    public void SetLocalRepos(IReadOnlyList<RepoAnnouncement> repos)
    {
        if (repos.Count > _options.MaxReposPerMember)
        {
            throw new ArgumentException($"at most {_options.MaxReposPerMember} repositories can be announced", nameof(repos));
        }

        var wire = new List<WireRepo>(repos.Count);
        foreach (var repo in repos)
        {
            var item = WireValidation.ToWire(repo);
            if (!WireValidation.IsRepo(item))
            {
                throw new ArgumentException($"repository '{repo.RepoId}' cannot be announced: invalid id, name, path or digest", nameof(repos));
            }

            if (wire.Any(w => w.RepoId == item.RepoId || w.Path == item.Path))
            {
                throw new ArgumentException($"repository '{repo.RepoId}' at '{repo.Path}' is listed twice (ids and paths must be unique)", nameof(repos));
            }

            wire.Add(item);
        }

        lock (_lock)
        {
            var previous = _localRepos.ToDictionary(r => r.RepoId, StringComparer.Ordinal);
            var changed = new List<WireRepo>();
            foreach (var item in wire)
            {
                if (!previous.TryGetValue(item.RepoId, out var old))
                {
                    changed.Add(item);
                    continue;
                }

                if (item.RefsVersion <= old.RefsVersion)
                {
                    item.RefsDigest = old.RefsDigest;
                    item.RefsVersion = old.RefsVersion;
                    if (item.Name != old.Name || item.Path != old.Path)
                    {
                        item.RefsVersion = NextRefsVersion(old.RefsVersion);
                    }
                }

                if (item.Name != old.Name || item.Path != old.Path || item.RefsDigest != old.RefsDigest || item.RefsVersion != old.RefsVersion)
                {
                    changed.Add(item);
                }
            }

            var removed = _localRepos.Where(r => !wire.Any(w => w.RepoId == r.RepoId)).ToList();
            var setChanged = removed.Count > 0 || wire.Any(w => !previous.ContainsKey(w.RepoId));
            if (!setChanged && changed.Count == 0)
            {
                return;
            }

            _localRepos.Clear();
            _localRepos.AddRange(wire);
            var statements = new List<MemberUpdate>();
            if (setChanged)
            {
                // Every statement is signed again under the new set version: one that is not is older than a removal.
                _repoSetVersion = Math.Max(IncarnationMath.Next(_repoSetVersion), _time.GetUtcNow().ToUnixTimeMilliseconds());
                _repoSetDigest = RepoSetSummary.Digest(wire.Select(r => r.RepoId));
                _repoStatements.Clear();
                foreach (var repo in _localRepos)
                {
                    _repoStatements[repo.RepoId] = SignRepoStatement(UpdateKind.Repo, repo);
                }

                AnnounceSelf();
            }
            else
            {
                foreach (var repo in changed)
                {
                    _repoStatements[repo.RepoId] = SignRepoStatement(UpdateKind.Repo, repo);
                }
            }

            // Removals last, so they are the newest in the broadcast queue and go first: a member at its cap for us
            // then makes room before the additions arrive (receivers also apply removals first within a message).
            statements.AddRange(changed.Select(r => _repoStatements[r.RepoId]));
            statements.AddRange(removed.Select(r => SignRepoStatement(UpdateKind.RepoRemoved, r)));
            Disseminate(statements, setChanged ? _selfAlive : null);
        }
    }

    public IReadOnlyList<RepoAnnouncement> LocalRepos
    {
        get
        {
            lock (_lock)
            {
                return _localRepos.Select(WireValidation.ToAnnouncement).ToList();
            }
        }
    }

    /// <summary>The version of the set of repositories this node serves (raised when one is added or removed).</summary>
    public long RepoSetVersion
    {
        get
        {
            lock (_lock)
            {
                return _repoSetVersion;
            }
        }
    }

    public void PublishLocalRefs(string repoId, string refsDigest)
    {
        lock (_lock)
        {
            var repo = _localRepos.Find(r => r.RepoId == repoId);
            if (repo is null)
            {
                LogUnknownLocalRepo(repoId);
                return;
            }

            if (repo.RefsDigest == refsDigest)
            {
                return;
            }

            repo.RefsDigest = refsDigest;
            repo.RefsVersion = NextRefsVersion(repo.RefsVersion);
            var statement = SignRepoStatement(UpdateKind.Repo, repo);
            _repoStatements[repoId] = statement;
            Disseminate([statement], alive: null);
        }
    }

    public long PublishLocalRefs(string repoId, string refsDigest, long refsVersion)
    {
        lock (_lock)
        {
            var repo = _localRepos.Find(r => r.RepoId == repoId);
            if (repo is null)
            {
                LogUnknownLocalRepo(repoId);
                return refsVersion;
            }

            if (repo.RefsDigest == refsDigest)
            {
                return repo.RefsVersion;
            }

            repo.RefsDigest = refsDigest;
            repo.RefsVersion = Math.Max(refsVersion, IncarnationMath.Next(repo.RefsVersion));
            var statement = SignRepoStatement(UpdateKind.Repo, repo);
            _repoStatements[repoId] = statement;
            Disseminate([statement], alive: null);
            return repo.RefsVersion;
        }
    }

    /// <summary>Wall-clock milliseconds (or +1): versions keep growing across restarts of this node.</summary>
    private long NextRefsVersion(long version) => Math.Max(IncarnationMath.Next(version), _time.GetUtcNow().ToUnixTimeMilliseconds());

    private MemberUpdate SignRepoStatement(UpdateKind kind, WireRepo repo)
    {
        var statement = new MemberUpdate
        {
            Kind = kind,
            NodeId = _identity.Id,
            Incarnation = _incarnation,
            RepoSetVersion = _repoSetVersion,
            Repos =
            [
                kind == UpdateKind.Repo
                    ? new WireRepo { RepoId = repo.RepoId, Name = repo.Name, Path = repo.Path, RefsDigest = repo.RefsDigest, RefsVersion = repo.RefsVersion }
                    : new WireRepo { RepoId = repo.RepoId, RefsVersion = repo.RefsVersion },
            ],
        };
        SignUpdate(statement);
        return statement;
    }

    /// <summary>
    /// Gossips <paramref name="statements"/> (unless there are too many: members then ask for the set) and sends each
    /// live member serving one of those repositories the statements it shares with us at once, after our new alive
    /// when the set changed.
    /// </summary>
    private void Disseminate(List<MemberUpdate> statements, MemberUpdate? alive)
    {
        if (statements.Count <= MaxGossipedRepoChanges)
        {
            foreach (var statement in statements)
            {
                _broadcasts.Enqueue(statement);
            }
        }

        if (!_started || _stopped || statements.Count == 0)
        {
            return;
        }

        foreach (var entry in _table.Entries)
        {
            if (!entry.Member.IsLive)
            {
                continue;
            }

            var shared = statements.Where(s => entry.Member.FindRepo(s.Repos![0].RepoId) is not null).ToList();
            if (shared.Count == 0)
            {
                continue;
            }

            if (alive is not null)
            {
                shared.Insert(0, alive);
            }

            foreach (var part in Pack(RemovalsFirst([.. shared]), _codec.MaxPayloadBytes - MessageOverhead))
            {
                SendMessage(entry.Member.GossipEndPoint, new GossipMessage { Updates = [.. part] }, piggyback: false);
            }
        }
    }

    /// <summary>
    /// The updates of a message, repository removals first, the others in their order: a member at its cap for the
    /// sender then makes room before an addition in the same message arrives.
    /// </summary>
    private static IEnumerable<MemberUpdate> RemovalsFirst(MemberUpdate[]? updates)
    {
        if (updates is null)
        {
            yield break;
        }

        foreach (var update in updates)
        {
            if (update?.Kind == UpdateKind.RepoRemoved)
            {
                yield return update;
            }
        }

        foreach (var update in updates)
        {
            if (update?.Kind != UpdateKind.RepoRemoved)
            {
                yield return update!;
            }
        }
    }

    /// <summary>Bytes a message kind and its fields take besides its updates (conservative).</summary>
    private const int MessageOverhead = 48;

    /// <summary>Splits <paramref name="updates"/> into groups whose encoded sizes fit <paramref name="budget"/> (an update too big for any is left out).</summary>
    private static List<List<MemberUpdate>> Pack(IEnumerable<MemberUpdate> updates, int budget)
    {
        var parts = new List<List<MemberUpdate>>();
        var part = new List<MemberUpdate>();
        var used = 0;
        foreach (var update in updates)
        {
            var size = MeshCodec.SizeOf(update);
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

            part.Add(update);
            used += size;
        }

        if (part.Count > 0 || parts.Count == 0)
        {
            parts.Add(part);
        }

        return parts;
    }

    /// <param name="relay">False for statements asked for in a repository list (the answerer's state, for us only).</param>
    private void ApplyRepo(MemberUpdate update, bool relay)
    {
        if (update.Repos is not [var wire] || !WireValidation.IsRepo(wire) || update.RepoSetVersion < 0)
        {
            Statistics.CountDrop(DropReason.InvalidRepo);
            return;
        }

        var current = _table.Get(update.NodeId);
        var state = current?.RepoState ?? MemberRepoState.Empty;
        var held = current?.Member.FindRepo(wire.RepoId);
        if (MergeRules.DecideRepo(current?.Member, held, state.MarkOf(wire.RepoId), state.Floor, update.RepoSetVersion, wire.RefsVersion) != MergeDecision.Apply)
        {
            return;
        }

        RepoAnnouncement? evicted = null;
        if (held is null && current!.Member.Repos.Length >= _options.MaxReposPerMember)
        {
            // At the cap, a statement under a newer set version takes the place of the repository held from the oldest
            // one: that may be one the member removed while we were not listening (a full set asked for then replaces
            // the old one statement by statement). Under the same set version there is no room: counted.
            evicted = current.Member.Repos.MinBy(r => state.MarkOf(r.RepoId));
            if (evicted is null || state.MarkOf(evicted.RepoId) >= update.RepoSetVersion)
            {
                Statistics.CountDrop(DropReason.RepoCap);
                return;
            }
        }

        if (_options.RequireSignatures && !UpdateSigning.Verify(update))
        {
            Statistics.CountDrop(DropReason.BadSignature);
            return;
        }

        var repo = WireValidation.ToAnnouncement(wire);
        var marks = state.Marks.SetItem(wire.RepoId, update.RepoSetVersion);
        var newState = state with { Floor = Math.Max(state.Floor, update.RepoSetVersion), Marks = evicted is null ? marks : marks.Remove(evicted.RepoId) };
        if (repo == held)
        {
            // Only signed again under a new set version: nothing a reader sees changed.
            _table.Touch(current! with { RepoState = newState });
        }
        else
        {
            var repos = held is not null ? current!.Member.Repos.Replace(held, repo)
                : evicted is not null ? current!.Member.Repos.Remove(evicted).Add(repo)
                : current!.Member.Repos.Add(repo);
            _table.Set(current with { Member = current.Member with { Repos = repos }, RepoState = newState });
        }

        _repoTouched.Add(update.NodeId);
        if (relay)
        {
            _broadcasts.Enqueue(RelayCopy(update));
        }
    }

    private void ApplyRepoRemoved(MemberUpdate update, bool relay)
    {
        if (update.Repos is not [var wire] || !WireValidation.IsRepoRemoval(wire) || update.RepoSetVersion < 0)
        {
            Statistics.CountDrop(DropReason.InvalidRepo);
            return;
        }

        var current = _table.Get(update.NodeId);
        var state = current?.RepoState ?? MemberRepoState.Empty;
        var held = current?.Member.FindRepo(wire.RepoId);
        if (MergeRules.DecideRepoRemoval(current?.Member, held, state.MarkOf(wire.RepoId), state.Floor, update.RepoSetVersion) != MergeDecision.Apply)
        {
            return;
        }

        if (_options.RequireSignatures && !UpdateSigning.Verify(update))
        {
            Statistics.CountDrop(DropReason.BadSignature);
            return;
        }

        var newState = state with { Floor = Math.Max(state.Floor, update.RepoSetVersion), Marks = state.Marks.Remove(wire.RepoId) };
        if (held is null)
        {
            _table.Touch(current! with { RepoState = newState });
        }
        else
        {
            _table.Set(current! with { Member = current.Member with { Repos = current.Member.Repos.Remove(held) }, RepoState = newState });
        }

        _repoTouched.Add(update.NodeId);
        if (relay)
        {
            _broadcasts.Enqueue(RelayCopy(update));
        }
    }

    private static MemberUpdate RelayCopy(MemberUpdate update)
    {
        var copy = update.Clone();
        copy.From = null;
        copy.ObservedAddress = null;
        return copy;
    }

    /// <summary>The summary of a newly applied alive of the member: kept, the floor raised; a count over our cap is counted.</summary>
    private MemberRepoState WithAliveSummary(MemberRepoState state, MemberUpdate alive)
    {
        if (alive.RepoCount > _options.MaxReposPerMember && alive.RepoCount != state.Count)
        {
            Statistics.CountDrop(DropReason.RepoCap);
        }

        return state with
        {
            SetVersion = alive.RepoSetVersion,
            Count = alive.RepoCount,
            Digest = alive.RepoSetDigest,
            Floor = Math.Max(state.Floor, alive.RepoSetVersion),
        };
    }

    /// <summary>After a datagram: for each member whose repositories or summary changed, is what we hold its whole set?</summary>
    private void CheckTouchedRepoSets()
    {
        if (_repoTouched.Count == 0)
        {
            return;
        }

        foreach (var id in _repoTouched)
        {
            if (_table.Get(id) is { } entry && !CheckRepoSet(entry))
            {
                // Give statements in flight (gossip relays) a probe interval to arrive before asking. A new alive of the
                // member (it came back, or changed its set) starts the backoff again.
                var fresh = new RepoRepair(MonotonicNow + _options.ProbeInterval, 0, entry.Member.Incarnation);
                if (!_repoRepairs.TryGetValue(id, out var running) || running.Incarnation != entry.Member.Incarnation)
                {
                    _repoRepairs[id] = fresh;
                }
            }
            else
            {
                _repoRepairs.Remove(id);
            }
        }

        _repoTouched.Clear();
    }

    /// <summary>
    /// True when we hold exactly the member's announced set (ids and count match its alive's digest), after sweeping
    /// repositories the member no longer serves: when the statements signed under the alive's set version alone make
    /// up its set, the others are older than a removal we missed. A member announcing more than our cap is in sync
    /// once we hold the cap. Not live, or no summary yet: nothing to ask.
    /// </summary>
    private bool CheckRepoSet(MemberEntry entry)
    {
        var state = entry.RepoState;
        var held = entry.Member.Repos;
        if (!entry.Member.IsLive || state.SetVersion < 0)
        {
            return true;
        }

        if (state.Count > _options.MaxReposPerMember)
        {
            return held.Length >= _options.MaxReposPerMember;
        }

        if (Matches(held, state))
        {
            return true;
        }

        if (held.Any(r => state.MarkOf(r.RepoId) > state.SetVersion))
        {
            // We hold statements newer than the alive: its successor is on its way.
            return false;
        }

        var current = held.Where(r => state.MarkOf(r.RepoId) == state.SetVersion).ToImmutableArray();
        if (current.Length == held.Length || !Matches(current, state))
        {
            return false;
        }

        var marks = state.Marks.RemoveRange(held.Where(r => !current.Contains(r)).Select(r => r.RepoId));
        _table.Set(entry with { Member = entry.Member with { Repos = current }, RepoState = state with { Marks = marks } });
        return true;
    }

    private static bool Matches(ImmutableArray<RepoAnnouncement> repos, MemberRepoState state) =>
        repos.Length == state.Count
        && (state.Count == 0 || RepoSetSummary.SameDigest(RepoSetSummary.Digest(repos.Select(r => r.RepoId)), state.Digest));

    /// <summary>Every probe tick: asks members whose set we do not hold for their statements, backing off per member.</summary>
    private void RunRepoRepairs(DateTimeOffset now)
    {
        if (_repoRepairs.Count == 0)
        {
            return;
        }

        foreach (var (id, repair) in _repoRepairs.ToList())
        {
            if (repair.Due > now)
            {
                continue;
            }

            var entry = _table.Get(id);
            if (entry is null || !entry.Member.IsLive || CheckRepoSet(entry))
            {
                _repoRepairs.Remove(id);
                continue;
            }

            SendMessage(entry.Member.GossipEndPoint, new RepoRequestMessage(), piggyback: true);
            Statistics.CountRepoRequest();
            var backoff = _options.ProbeInterval * (1 << Math.Min(repair.Attempts + 1, MaxRepairBackoffShift));
            _repoRepairs[id] = repair with { Due = now + backoff, Attempts = repair.Attempts + 1 };
        }
    }

    /// <summary>
    /// Our alive and every statement we hold, to a live member at its known address, at most once per probe interval
    /// per member: the answer is many datagrams, so nobody else can aim it at a third party.
    /// </summary>
    private void AnswerRepoRequest(string sender, IPEndPoint source)
    {
        var now = MonotonicNow;
        if (_table.Get(sender) is not { Member.IsLive: true } entry || !entry.Member.GossipEndPoint.Equals(source)
            || (_repoRequestsAnswered.TryGetValue(sender, out var at) && now - at < _options.ProbeInterval))
        {
            Statistics.CountDrop(DropReason.RepoRequestRefused);
            return;
        }

        if (_repoRequestsAnswered.Count >= MaxCandidates)
        {
            _repoRequestsAnswered.Clear();
        }

        _repoRequestsAnswered[sender] = now;
        var statements = _localRepos.Select(r => _repoStatements[r.RepoId]);
        var parts = Pack(statements, _codec.MaxPayloadBytes - MessageOverhead - MeshCodec.SizeOf(_selfAlive));
        for (var i = 0; i < parts.Count; i++)
        {
            var message = new RepoListMessage { Updates = i == 0 ? [_selfAlive] : null, Statements = [.. parts[i]] };
            SendMessage(source, message, piggyback: false);
        }
    }

    /// <summary>
    /// A statement of ours heard back. Signed under a set version above ours: a previous life (our clock went back);
    /// members would drop our statements as older, so go above it. A higher refs version with another digest: go above it.
    /// </summary>
    private void HandleOwnRepoStatement(MemberUpdate update)
    {
        if (update.Repos is not [var wire])
        {
            return;
        }

        if (update.RepoSetVersion > _repoSetVersion)
        {
            if (IsOwnStatement(update))
            {
                RaiseRepoSetAbove(update.RepoSetVersion);
            }

            return;
        }

        if (update.Kind == UpdateKind.Repo && _localRepos.Find(r => r.RepoId == wire.RepoId) is { } mine && wire.RefsVersion >= mine.RefsVersion
            && wire.RefsDigest != mine.RefsDigest && IsOwnStatement(update))
        {
            mine.RefsVersion = IncarnationMath.Next(wire.RefsVersion);
            var statement = SignRepoStatement(UpdateKind.Repo, mine);
            _repoStatements[mine.RepoId] = statement;
            _broadcasts.Enqueue(statement);
        }
    }

    /// <summary>Our set version goes above <paramref name="heard"/>: every statement signed again, the alive announced.</summary>
    private void RaiseRepoSetAbove(long heard)
    {
        _repoSetVersion = Math.Max(IncarnationMath.Next(heard), IncarnationMath.Next(_repoSetVersion));
        foreach (var repo in _localRepos)
        {
            _repoStatements[repo.RepoId] = SignRepoStatement(UpdateKind.Repo, repo);
        }

        AnnounceSelf();
    }

    private sealed record RepoRepair(DateTimeOffset Due, int Attempts, long Incarnation);
}
