using System.Collections.Immutable;
using System.ComponentModel;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;
using PeerMesh.Mesh.SignedRefs;
using PeerMesh.Mesh.Wire;
using PeerMesh.Sync.Trust;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace PeerMesh.Sync.SignedRefs;

/// <summary>
/// Takes the signed refs statements a holder advertised in one fetch (docs/ARCHITECTURE.md, "Verification"): for each
/// author, the statement must decode, be signed by that author's key for this repository, be newer than the one held
/// (never older: HOSTILE 53), and every commit it names must be present and connected. Only then are the author's
/// tracking refs (<c>refs/remotes/&lt;author's remote&gt;/*</c>) and relay copies (<c>refs/peermesh/&lt;author&gt;/heads/*</c>)
/// set to the statement's commits, branches absent from it pruned, and the statement ref written last. Anything else
/// is refused for that holder, counted, and kept as a <see cref="RelayConflict"/>; nothing is written for it
/// (HOSTILE 52). Nothing outside <c>refs/remotes/</c> and <c>refs/peermesh/</c> is ever written. One intake at a time
/// per repository (checks, writes and acceptance under one lock), so two fetches cannot interleave an older
/// statement's refs with a newer one's.
/// </summary>
internal sealed partial class StatementIntake
{
    /// <summary>Statements taken from one holder per fetch at most (each costs a signature check): the author cap.</summary>
    public const int MaxStatementsPerFetch = SignedRefsLimits.MaxAuthorsPerRepo;

    private const string Remotes = "refs/remotes/";

    private readonly string _gitDir;
    private readonly string _repoId;
    private readonly string _selfId;
    private readonly StatementLedger _ledger;
    private readonly Func<string, string, string?> _remoteFor;
    private readonly Func<TrustList> _trust;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Holder, string Author), RelayConflict> _refused = [];
    private readonly Dictionary<string, RelayedAuthor> _authors = new(StringComparer.Ordinal);

    /// <param name="gitDir">The repository.</param>
    /// <param name="repoId">Its id: statements of another repository are refused.</param>
    /// <param name="selfId">This node's id: its own statement, heard back, is never taken.</param>
    /// <param name="ledger">The accepted statements (one per repository here).</param>
    /// <param name="remoteFor">The managed remote of an author (id, signed name), made when it has none; null at the cap.</param>
    /// <param name="trust">The trust list in force: pinning applies to the author, never to the holder.</param>
    /// <param name="time">Clock for plausibility and status.</param>
    /// <param name="logger">Accepted and refused statements.</param>
    public StatementIntake(
        string gitDir,
        string repoId,
        string selfId,
        StatementLedger ledger,
        Func<string, string, string?> remoteFor,
        Func<TrustList> trust,
        TimeProvider time,
        ILogger<StatementIntake> logger)
    {
        _gitDir = gitDir;
        _repoId = repoId;
        _selfId = selfId;
        _ledger = ledger;
        _remoteFor = remoteFor;
        _trust = trust;
        _time = time;
        _logger = logger;
    }

    /// <summary>The connectivity check (<see cref="Connectivity.IsConnected"/>; a test counts what it is asked).</summary>
    public Func<string, IReadOnlyCollection<string>, CancellationToken, bool> IsConnected { get; init; } = Connectivity.IsConnected;

    /// <summary>Counts of statements accepted and refused, by reason.</summary>
    public SignedRefsStatistics Statistics => _ledger.Statistics;

    /// <summary>Called with the sequence of one of our own statements heard back from a holder (verified).</summary>
    public Action<long>? OwnHeard { get; set; }

    /// <summary>Called after a fetch that accepted a statement: what this node holds changed (its peers should hear).</summary>
    public Action? HoldingsChanged { get; set; }

    /// <summary>The authors held, by id.</summary>
    public ImmutableArray<RelayedAuthor> Authors
    {
        get
        {
            lock (_gate)
            {
                return [.. _authors.Values.OrderBy(a => a.AuthorId, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Copies refused, per holder and author (the latest of each).</summary>
    public ImmutableArray<RelayConflict> Conflicts
    {
        get
        {
            lock (_gate)
            {
                return [.. _refused.Values.OrderBy(c => c.AuthorId, StringComparer.Ordinal).ThenBy(c => c.HolderId, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>
    /// What a fetch asks a holder for of our namespace: every author's statements and relayed branches, or, with
    /// <c>peermesh.trust</c> set, only the trusted authors'. An author left out never gets an object into this
    /// repository, not through a relay either (nobody let in).
    /// </summary>
    public IReadOnlyList<string> Refspecs()
    {
        var trust = _trust();
        return trust.IsPinned
            ? [.. trust.NodeIds.Select(id => $"+{StatementRefs.Namespace}{id}/*:{StatementRefs.Namespace}{id}/*")]
            : [$"+{StatementRefs.Namespace}*:{StatementRefs.Namespace}*"];
    }

    /// <summary>
    /// <c>peermesh forget</c> of <paramref name="authorId"/>'s remote: its statement leaves the ledger, its namespace
    /// <c>refs/peermesh/ID/</c> (statement and relay copies) leaves the repository, and what was recorded about it
    /// (status, refused copies) goes, so its work does not come back from the stored statement at the next start, and
    /// this node stops relaying it. A later statement of it, from anyone, is taken as a first one. Returns how many refs
    /// were removed. Our own namespace is never removed.
    /// </summary>
    public int Forget(Repository repo, string authorId)
    {
        authorId = authorId.ToLowerInvariant();
        if (authorId == _selfId || !WireValidation.IsNodeId(authorId))
        {
            return 0;
        }

        lock (_gate)
        {
            _ledger.Forget(authorId, _repoId);
            _authors.Remove(authorId);
            foreach (var key in _refused.Keys.Where(k => k.Author == authorId).ToList())
            {
                _refused.Remove(key);
            }

            var prefix = StatementRefs.Namespace + authorId + "/";
            var stale = repo.Refs.Where(r => r.CanonicalName.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            foreach (var reference in stale)
            {
                repo.Refs.Remove(Guarded(reference.CanonicalName));
            }

            return stale.Count;
        }
    }

    /// <summary>At start: the statements stored in the repository are the floor (a replay of an older one stays refused).</summary>
    public void Restore(Repository repo)
    {
        lock (_gate)
        {
            foreach (var (author, problem) in StatementStore.RestoreInto(repo, _repoId, _ledger))
            {
                LogStoredUnusable(_logger, author, problem);
            }

            foreach (var statement in _ledger.All(_repoId).Where(s => s.AuthorId != _selfId))
            {
                _authors[statement.AuthorId] = new RelayedAuthor(statement.AuthorId, statement.AuthorName, null, statement.Sequence, statement.SignedAt, null, statement.SignedAt);
            }
        }
    }

    /// <summary>
    /// Takes the statements <paramref name="holderId"/> (fetched through managed remote <paramref name="holderRemote"/>)
    /// advertised, after the download brought their objects in. Throws what LibGit2Sharp throws for a ref it cannot
    /// write (the statement then stays unaccepted and is taken at the next fetch).
    /// </summary>
    public IntakeResult Take(Repository repo, string holderRemote, string holderId, IReadOnlyList<(string Name, ObjectId Id)> advertised, CancellationToken cancellationToken)
    {
        // An author left out by peermesh.trust is not read at all (not counted either: the user's choice, not the
        // holder's fault); Refspecs kept its objects out already.
        var trust = _trust();
        var statements = advertised
            .Select(a => (Author: StatementRefs.AuthorOf(a.Name), a.Id))
            .Where(a => a.Author is not null)
            .Select(a => (Author: a.Author!, a.Id))
            .Where(a => a.Author == _selfId || trust.IsTrusted(a.Author))
            .DistinctBy(a => a.Author, StringComparer.Ordinal)
            .OrderBy(a => a.Author == holderId ? 0 : _ledger.Current(a.Author, _repoId) is not null ? 1 : 2)
            .ThenBy(a => a.Author, StringComparer.Ordinal)
            .Take(MaxStatementsPerFetch)
            .ToList();
        var updates = ImmutableArray.CreateBuilder<(string, ObjectId, ObjectId)>();
        var accepted = 0;
        var moved = false;
        var holderSigns = false;
        lock (_gate)
        {
            foreach (var (author, id) in statements)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (author == _selfId)
                {
                    HeardOwn(repo, id);
                    continue;
                }

                holderSigns |= author == holderId;
                if (TakeOne(repo, holderRemote, holderId, author, id, trust, updates, cancellationToken) is { } diff)
                {
                    accepted++;
                    moved |= !diff.IsEmpty;
                }
            }

            // A holder we hold a statement of is never again taken without one: an unsigned answer cannot undo signed work.
            holderSigns |= _ledger.Current(holderId, _repoId) is not null;
        }

        // Only work that moved is news for the next hop: a statement signed again over the same branches (a holder's
        // own bump) is not, or two relays would raise each other's versions forever.
        if (moved)
        {
            HoldingsChanged?.Invoke();
        }

        return new IntakeResult(holderSigns, updates.ToImmutable(), accepted);
    }

    private void HeardOwn(Repository repo, ObjectId id)
    {
        var read = StatementStore.ReadObject(repo, id);
        if (read.Statement is { } own && StatementVerifier.Verify(own, _selfId, _repoId, _time.GetUtcNow()) is null)
        {
            OwnHeard?.Invoke(own.Sequence);
        }
    }

    /// <returns>What the accepted statement changed, or null when nothing was accepted.</returns>
    private StatementDiff? TakeOne(
        Repository repo,
        string holderRemote,
        string holderId,
        string author,
        ObjectId id,
        TrustList trust,
        ImmutableArray<(string, ObjectId, ObjectId)>.Builder updates,
        CancellationToken cancellationToken)
    {
        var digest = id.Sha;
        if (_ledger.Current(author, _repoId)?.Digest == digest)
        {
            // Held already: a holder that was behind or served a bad copy before serves the right one now.
            _refused.Remove((holderId, author));
            return null;
        }

        if (_refused.TryGetValue((holderId, author), out var before) && before.Digest == digest && before.Reason != StatementRejection.MissingCommits)
        {
            // This holder's copy was refused already: nothing to verify or count again. Missing commits are looked for
            // again: the holder may serve them now (a branch of its own that moved on after it signed, a relay that
            // had not yet written its copies), and this may be the only copy there is of an author gone offline.
            return null;
        }

        var read = StatementStore.ReadObject(repo, id);
        if (read.Statement is not { } statement)
        {
            return Refuse(holderId, author, digest, read.Problem ?? StoredStatement.NotABlob);
        }

        var check = _ledger.Check(statement, author, _repoId, trust.IsPinned);
        if (check.Outcome == AcceptOutcome.Unchanged)
        {
            return null;
        }

        if (check.Outcome == AcceptOutcome.Rejected)
        {
            if (check.Reason == StatementRejection.Older && check.Previous is { } inForce && inForce.Branches.SequenceEqual(statement.Branches))
            {
                // Genuine and naming exactly what we hold: a holder behind only in the author's sequence (the author
                // signed again over the same branches, as a relay does when its holdings change, and the holder had
                // nothing to fetch for it). It rolls nothing back; a replay of it could not either. No conflict.
                LogBehind(_logger, author, holderId, statement.Sequence, inForce.Sequence);
                return null;
            }

            return Refuse(holderId, author, digest, check.Reason!);
        }

        if (!StatementStore.MissingCommits(repo, statement).IsEmpty)
        {
            return Refuse(holderId, author, digest, StatementRejection.MissingCommits);
        }

        // Only commits new to this author are asked of git: those its statement in force names were checked when it
        // was taken and its refs keep them. A relay signs again after each fetch that moved someone's work, so the
        // next hop mostly sees commits it holds; each check is a git process (most of a hop's time on a loaded host).
        var held = _ledger.Current(author, _repoId)?.Branches.Select(b => b.CommitId).ToHashSet(StringComparer.Ordinal) ?? [];
        var fresh = statement.Branches.Select(b => b.CommitId).Distinct(StringComparer.Ordinal).Where(c => !held.Contains(c)).ToList();
        bool connected;
        try
        {
            connected = fresh.Count == 0 || IsConnected(_gitDir, fresh, cancellationToken);
        }
        catch (Exception e) when (e is IOException or Win32Exception or InvalidOperationException)
        {
            // Ours, not the holder's: git could not be run. Taken at the next fetch.
            LogConnectivityFailed(_logger, e.Message);
            return null;
        }

        if (!connected)
        {
            return Refuse(holderId, author, digest, StatementRejection.Disconnected);
        }

        var remote = author == holderId ? holderRemote : _remoteFor(author, statement.AuthorName);
        Write(repo, author, remote, statement, updates);
        var result = _ledger.Offer(statement, author, _repoId, trust.IsPinned);
        if (result.Outcome != AcceptOutcome.Accepted)
        {
            return null; // cannot happen under the lock: checked above
        }

        // Last: after a crash before this, the stored statement is the older one and the next fetch writes again.
        StatementStore.Store(repo, _repoId, statement, "peermesh: statement of " + author);
        _refused.Remove((holderId, author));
        _authors[author] = new RelayedAuthor(author, statement.AuthorName, remote, statement.Sequence, statement.SignedAt, holderId, _time.GetUtcNow());
        LogAccepted(_logger, statement.AuthorName, author, statement.Sequence, holderId, result.Diff?.Deleted.Length ?? 0);
        return result.Diff;
    }

    private StatementDiff? Refuse(string holderId, string author, string digest, string reason)
    {
        if (_refused.TryGetValue((holderId, author), out var before) && (before.Digest, before.Reason) == (digest, reason))
        {
            return null; // the same copy, still short of the same commits: counted and logged once
        }

        _ledger.Statistics.CountRejection(reason);
        _refused[(holderId, author)] = new RelayConflict(holderId, author, digest, reason, _time.GetUtcNow());
        LogRefused(_logger, author, holderId, reason);
        return null;
    }

    /// <summary>
    /// Sets the tracking refs (under <paramref name="remote"/>, unless null: the remote cap) and the relay copies to the
    /// statement's commits, pruning first what the statement no longer names (git cannot hold <c>a</c> and <c>a/b</c>).
    /// </summary>
    private static void Write(Repository repo, string author, string? remote, RefsStatement statement, ImmutableArray<(string, ObjectId, ObjectId)>.Builder updates)
    {
        var wanted = statement.Branches.ToDictionary(b => b.Name, b => new ObjectId(b.CommitId), StringComparer.Ordinal);
        var log = "peermesh: signed refs of " + author;
        List<string> prefixes = [StatementRefs.Heads(author)];
        if (remote is not null)
        {
            prefixes.Insert(0, Remotes + remote + "/");
        }

        foreach (var prefix in prefixes)
        {
            var tracking = prefix.StartsWith(Remotes, StringComparison.Ordinal);
            foreach (var stale in repo.Refs.FromGlob(prefix + "*").OfType<DirectReference>().ToList())
            {
                if (!wanted.ContainsKey(stale.CanonicalName[prefix.Length..]))
                {
                    repo.Refs.Remove(Guarded(stale.CanonicalName));
                    if (tracking)
                    {
                        updates.Add((stale.CanonicalName, new ObjectId(stale.TargetIdentifier), ObjectId.Zero));
                    }
                }
            }

            foreach (var (branch, commit) in wanted)
            {
                var name = prefix + branch;
                if (!Reference.IsValidName(name))
                {
                    continue;
                }

                var current = repo.Refs[name];
                var old = current is DirectReference direct ? new ObjectId(direct.TargetIdentifier) : ObjectId.Zero;
                if (old == commit)
                {
                    continue;
                }

                repo.Refs.Add(Guarded(name), commit, log, allowOverwrite: true);
                if (tracking)
                {
                    updates.Add((name, old, commit));
                }
            }
        }
    }

    /// <summary>The last line: nothing here writes outside tracking refs and our own namespace.</summary>
    private static string Guarded(string name) =>
        name.StartsWith(Remotes, StringComparison.Ordinal) || name.StartsWith(StatementRefs.Namespace, StringComparison.Ordinal)
            ? name
            : throw new InvalidOperationException("refusing to write " + name);

    [LoggerMessage(Level = LogLevel.Information, Message = "took {Name}'s ({Author}) signed branches, statement {Sequence}, from {Holder}; {Pruned} pruned")]
    private static partial void LogAccepted(ILogger logger, string name, string author, long sequence, string holder, int pruned);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Holder} serves {Author}'s statement {Sequence}, older than {Held} over the same branches: nothing to take")]
    private static partial void LogBehind(ILogger logger, string author, string holder, long sequence, long held);

    [LoggerMessage(Level = LogLevel.Warning, Message = "refused the work of {Author} served by {Holder}: {Reason}; nothing written")]
    private static partial void LogRefused(ILogger logger, string author, string holder, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "stored statement of {Author} not usable ({Problem}); kept until a verified one replaces it")]
    private static partial void LogStoredUnusable(ILogger logger, string author, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "cannot check the history of a statement's commits: {Reason}")]
    private static partial void LogConnectivityFailed(ILogger logger, string reason);
}
