using System.Collections.Immutable;

namespace PeerMesh.Mesh.SignedRefs;

/// <summary>
/// The statement accepted for each author of each repository, which only moves forward: a statement is accepted when
/// it verifies (<see cref="StatementVerifier"/>) and its sequence is above the one held. A replay of the held statement
/// changes nothing (<see cref="AcceptOutcome.Unchanged"/>); an older one, or another statement under the held sequence,
/// is refused and counted with its reason, and what was held stays. It is rebuilt at start by offering the statements
/// stored in the repository, so "the last accepted" survives a restart in the repository itself. Thread-safe.
/// </summary>
internal sealed class StatementLedger
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Dictionary<string, RefsStatement>> _byRepo = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public StatementLedger(TimeProvider time, SignedRefsStatistics? statistics = null)
    {
        _time = time;
        Statistics = statistics ?? new SignedRefsStatistics();
    }

    public SignedRefsStatistics Statistics { get; }

    /// <summary>
    /// Offers <paramref name="statement"/>, fetched as the work of <paramref name="expectedAuthorId"/> in
    /// <paramref name="expectedRepoId"/>. <paramref name="pinned"/>: the author is in the user's trust list, which is
    /// bounded by the user, so the author cap does not apply.
    /// </summary>
    public AcceptResult Offer(RefsStatement statement, string expectedAuthorId, string expectedRepoId, bool pinned = false)
    {
        var reason = StatementVerifier.Verify(statement, expectedAuthorId, expectedRepoId, _time.GetUtcNow());
        lock (_lock)
        {
            var (outcome, held, refusal) = Decide(statement, expectedRepoId, pinned, reason);
            if (outcome == AcceptOutcome.Unchanged)
            {
                return new AcceptResult(AcceptOutcome.Unchanged, null, held, null);
            }

            if (refusal is not null)
            {
                Statistics.CountRejection(refusal);
                return AcceptResult.Rejected(refusal, held);
            }

            if (!_byRepo.TryGetValue(expectedRepoId, out var authors))
            {
                authors = new Dictionary<string, RefsStatement>(StringComparer.Ordinal);
                _byRepo.Add(expectedRepoId, authors);
            }

            authors[statement.AuthorId] = statement;
            Statistics.CountAccepted();
            return new AcceptResult(AcceptOutcome.Accepted, null, held, StatementDiff.Between(held, statement));
        }
    }

    /// <summary>
    /// What <see cref="Offer"/> would answer now, without accepting or counting anything: a receiver checks before it
    /// writes the refs a statement names, and offers it once they are written (so a failed write leaves the held
    /// statement in force, and the same statement is taken again at the next fetch).
    /// </summary>
    public AcceptResult Check(RefsStatement statement, string expectedAuthorId, string expectedRepoId, bool pinned = false)
    {
        var reason = StatementVerifier.Verify(statement, expectedAuthorId, expectedRepoId, _time.GetUtcNow());
        lock (_lock)
        {
            var (outcome, held, refusal) = Decide(statement, expectedRepoId, pinned, reason);
            return refusal is not null ? AcceptResult.Rejected(refusal, held)
                : new AcceptResult(outcome, null, held, outcome == AcceptOutcome.Accepted ? StatementDiff.Between(held, statement) : null);
        }
    }

    private (AcceptOutcome Outcome, RefsStatement? Held, string? Refusal) Decide(RefsStatement statement, string repoId, bool pinned, string? reason)
    {
        _byRepo.TryGetValue(repoId, out var authors);
        RefsStatement? held = null;
        authors?.TryGetValue(statement.AuthorId, out held);
        if (reason is null && held is not null)
        {
            if (statement.Sequence == held.Sequence && statement.Digest == held.Digest)
            {
                return (AcceptOutcome.Unchanged, held, null);
            }

            reason = statement.Sequence < held.Sequence ? StatementRejection.Older
                : statement.Sequence == held.Sequence ? StatementRejection.Equivocation
                : null;
        }
        else if (reason is null && !pinned && (authors?.Count ?? 0) >= SignedRefsLimits.MaxAuthorsPerRepo)
        {
            reason = StatementRejection.AuthorCap;
        }

        return (reason is null ? AcceptOutcome.Accepted : AcceptOutcome.Rejected, held, reason);
    }

    /// <summary>The statement accepted for the author in the repository, or null.</summary>
    public RefsStatement? Current(string authorId, string repoId)
    {
        lock (_lock)
        {
            return _byRepo.TryGetValue(repoId, out var authors) && authors.TryGetValue(authorId.ToLowerInvariant(), out var held) ? held : null;
        }
    }

    /// <summary>Every accepted statement of the repository, by author id.</summary>
    public ImmutableArray<RefsStatement> All(string repoId)
    {
        lock (_lock)
        {
            return _byRepo.TryGetValue(repoId, out var authors)
                ? [.. authors.Values.OrderBy(s => s.AuthorId, StringComparer.Ordinal)]
                : [];
        }
    }

    /// <summary>Forgets an author (<c>peermesh forget</c>): a later statement of any sequence is accepted again.</summary>
    public bool Forget(string authorId, string repoId)
    {
        lock (_lock)
        {
            return _byRepo.TryGetValue(repoId, out var authors) && authors.Remove(authorId.ToLowerInvariant());
        }
    }
}
