using System.Collections.Immutable;

namespace PeerMesh.Mesh.Membership;

/// <summary>
/// What a receiver knows of a member's repository set besides <see cref="Member.Repos"/>: the summary of the member's
/// latest alive (set version, count, digest of the ids), the floor below which a statement about a repository not held
/// is stale (the highest set version heard from the member), and for each held repository the set version of the
/// statement it came from (its mark). Immutable; bounded by the repository cap.
/// </summary>
/// <param name="SetVersion">Set version of the latest alive applied; -1 before any.</param>
/// <param name="Count">Repositories the member announced in that alive.</param>
/// <param name="Digest">Digest of their ids (null when it announced none).</param>
/// <param name="Floor">The highest set version heard in the member's signed alives and statements.</param>
/// <param name="Marks">Repo id to the set version of the statement held for it.</param>
internal sealed record MemberRepoState(long SetVersion, int Count, byte[]? Digest, long Floor, ImmutableDictionary<string, long> Marks)
{
    public static MemberRepoState Empty { get; } = new(-1, 0, null, -1, ImmutableDictionary<string, long>.Empty.WithComparers(StringComparer.Ordinal));

    public long MarkOf(string repoId) => Marks.GetValueOrDefault(repoId, -1);
}
