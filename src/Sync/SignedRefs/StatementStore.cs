using System.Collections.Immutable;
using LibGit2Sharp;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.SignedRefs;

namespace PeerMesh.Sync.SignedRefs;

/// <summary>
/// Signed refs statements in a repository (<see cref="StatementRefs"/>). Storing writes one blob and moves one ref
/// (libgit2 writes the ref under its lock file and renames it into place, so a reader sees the old statement or the
/// new one, never a mix); nothing else is touched: not <c>refs/heads</c>, tags, <c>HEAD</c>, the index or the work
/// tree. Storing never moves an author's statement backwards in sequence. One writer per repository (the node, which
/// holds the node lock); a <see cref="Repository"/> is never shared across threads.
/// </summary>
internal static class StatementStore
{
    /// <summary>
    /// Stores <paramref name="statement"/> under its author's ref unless the stored one is as new or newer. The statement
    /// must be signed by its author for <paramref name="repoId"/> (a node stores only its own statements and verified
    /// ones): anything else is a bug of the caller and throws <see cref="ArgumentException"/>.
    /// </summary>
    public static StoreOutcome Store(Repository repo, string repoId, RefsStatement statement, string logMessage)
    {
        if (!string.Equals(statement.RepoId, repoId, StringComparison.Ordinal)
            || !NodeIdentity.Verify(statement.AuthorKey.AsSpan(), statement.SignedBytes, statement.Signature))
        {
            throw new ArgumentException($"refusing to store a statement not signed by {statement.AuthorId} for {repoId}", nameof(statement));
        }

        var stored = Read(repo, statement.AuthorId).Statement;
        if (stored is not null && stored.Sequence >= statement.Sequence)
        {
            return stored.Sequence == statement.Sequence && stored.Digest == statement.Digest ? StoreOutcome.Unchanged : StoreOutcome.NotNewer;
        }

        var blob = repo.ObjectDatabase.Write<Blob>(statement.Encoded.ToArray());
        repo.Refs.Add(StatementRefs.Statement(statement.AuthorId), blob, logMessage, allowOverwrite: true);
        return StoreOutcome.Stored;
    }

    /// <summary>The statement stored for <paramref name="authorId"/>, decoded (the size is checked before the bytes are read).</summary>
    public static StoredStatement Read(Repository repo, string authorId)
    {
        var reference = repo.Refs[StatementRefs.Statement(authorId)];
        if (reference is null)
        {
            return new StoredStatement(null, StoredStatement.Missing);
        }

        if (reference is not DirectReference direct)
        {
            return new StoredStatement(null, StoredStatement.NotABlob);
        }

        return ReadObject(repo, new ObjectId(direct.TargetIdentifier));
    }

    /// <summary>
    /// The statement in blob <paramref name="id"/>, decoded: for a statement downloaded without writing any ref (a fetch
    /// reads the advertised id, downloads the objects, and writes refs only after the statement verifies).
    /// </summary>
    public static StoredStatement ReadObject(Repository repo, ObjectId id)
    {
        if (!repo.ObjectDatabase.Contains(id))
        {
            return new StoredStatement(null, StoredStatement.NotABlob);
        }

        var metadata = repo.ObjectDatabase.RetrieveObjectMetadata(id);
        if (metadata.Type != ObjectType.Blob)
        {
            return new StoredStatement(null, StoredStatement.NotABlob);
        }

        if (metadata.Size > SignedRefsLimits.MaxStatementBytes)
        {
            return new StoredStatement(null, StatementRejection.TooLarge);
        }

        var blob = repo.Lookup<Blob>(id);
        using var content = blob.GetContentStream();
        using var buffer = new MemoryStream((int)metadata.Size);
        content.CopyTo(buffer);
        return StatementCodec.TryDecode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), out var statement, out var reason)
            ? new StoredStatement(statement, null)
            : new StoredStatement(null, reason);
    }

    /// <summary>The authors with a statement ref in the repository (refs under our namespace that are not one are ignored).</summary>
    public static ImmutableArray<string> Authors(Repository repo) =>
        [.. repo.Refs.FromGlob(StatementRefs.Namespace + "*")
            .Select(r => StatementRefs.AuthorOf(r.CanonicalName))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];

    /// <summary>
    /// Offers every statement stored in the repository to <paramref name="ledger"/> (at start), so what was accepted
    /// before a restart is the floor after it: a replay of an older statement is refused as it was before. Returns the
    /// authors whose stored statement could not be taken, with the reason (left in place, never deleted: the next
    /// verified statement of that author replaces it). What the repository already holds is not refused by the author cap.
    /// </summary>
    public static ImmutableArray<(string AuthorId, string Problem)> RestoreInto(Repository repo, string repoId, StatementLedger ledger)
    {
        var problems = ImmutableArray.CreateBuilder<(string, string)>();
        foreach (var author in Authors(repo))
        {
            var stored = Read(repo, author);
            var problem = stored.Statement is null
                ? stored.Problem!
                : ledger.Offer(stored.Statement, author, repoId, pinned: true) is { Outcome: AcceptOutcome.Rejected } refused ? refused.Reason! : null;
            if (problem is not null)
            {
                problems.Add((author, problem));
            }
        }

        return problems.ToImmutable();
    }

    /// <summary>
    /// The branches of <paramref name="statement"/> whose commit the repository does not hold as a commit: after a fetch,
    /// a statement is accepted only when this is empty.
    /// </summary>
    public static ImmutableArray<string> MissingCommits(Repository repo, RefsStatement statement)
    {
        var missing = ImmutableArray.CreateBuilder<string>();
        foreach (var tip in statement.Branches)
        {
            var id = new ObjectId(tip.CommitId);
            if (!repo.ObjectDatabase.Contains(id) || repo.ObjectDatabase.RetrieveObjectMetadata(id).Type != ObjectType.Commit)
            {
                missing.Add(tip.Name);
            }
        }

        return missing.ToImmutable();
    }
}
