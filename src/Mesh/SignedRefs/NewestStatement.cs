using System.Collections.Immutable;

namespace PeerMesh.Mesh.SignedRefs;

/// <summary>
/// Which copies of an author's work are newest, for choosing where to fetch it: the highest sequence wins. Two
/// digests under one sequence can only come from the author's own key signing twice (two processes sharing a key,
/// or a restored backup): that is a conflict, shown, and every node picks the same one (the lower digest) so the mesh
/// does not flip between them. The holders of the chosen copy come author first (fetch from the author when it is
/// reachable), then by holder id.
/// </summary>
internal static class NewestStatement
{
    public static NewestChoice Choose(string authorId, string repoId, IEnumerable<StatementSummary> candidates)
    {
        var ofAuthor = candidates
            .Where(c => string.Equals(c.AuthorId, authorId, StringComparison.OrdinalIgnoreCase)
                        && string.Equals(c.RepoId, repoId, StringComparison.Ordinal))
            .ToList();
        StatementSummary? best = null;
        var conflict = false;
        foreach (var candidate in ofAuthor)
        {
            if (!string.Equals(candidate.AuthorId, authorId, StringComparison.OrdinalIgnoreCase)
                || !string.Equals(candidate.RepoId, repoId, StringComparison.Ordinal))
            {
                continue;
            }

            if (best is null || candidate.Sequence > best.Sequence)
            {
                best = candidate;
                conflict = false;
            }
            else if (candidate.Sequence == best.Sequence && !string.Equals(candidate.Digest, best.Digest, StringComparison.OrdinalIgnoreCase))
            {
                conflict = true;
                if (string.CompareOrdinal(candidate.Digest.ToLowerInvariant(), best.Digest.ToLowerInvariant()) < 0)
                {
                    best = candidate;
                }
            }
        }

        if (best is null)
        {
            return new NewestChoice(null, [], false);
        }

        var holders = ofAuthor
            .Where(c => c.Sequence == best.Sequence
                        && string.Equals(c.Digest, best.Digest, StringComparison.OrdinalIgnoreCase))
            .OrderBy(c => string.Equals(c.HolderId, authorId, StringComparison.OrdinalIgnoreCase) ? 0 : 1)
            .ThenBy(c => c.HolderId, StringComparer.Ordinal)
            .ToImmutableArray();
        return new NewestChoice(best, holders, conflict);
    }

    /// <summary>True when <paramref name="candidate"/> should replace <paramref name="held"/> (same author and repository).</summary>
    public static bool IsNewer(StatementSummary candidate, StatementSummary? held) =>
        held is null
        || candidate.Sequence > held.Sequence
        || (candidate.Sequence == held.Sequence && string.CompareOrdinal(candidate.Digest.ToLowerInvariant(), held.Digest.ToLowerInvariant()) < 0);
}
