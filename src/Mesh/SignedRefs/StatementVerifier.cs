using PeerMesh.Mesh.Identity;

namespace PeerMesh.Mesh.SignedRefs;

/// <summary>
/// Checks a decoded statement against what the receiver expects: the author it asked for (the id is the hash of the
/// key in the statement, so a key of someone else's cannot pass), its own repository, a believable sequence, and
/// the author's signature over the canonical bytes. Cheap checks first; the signature last.
/// </summary>
internal static class StatementVerifier
{
    /// <returns>null when the statement holds, else the <see cref="StatementRejection"/> reason.</returns>
    public static string? Verify(RefsStatement statement, string expectedAuthorId, string expectedRepoId, DateTimeOffset now)
    {
        if (!string.Equals(statement.AuthorId, expectedAuthorId, StringComparison.OrdinalIgnoreCase))
        {
            return StatementRejection.WrongAuthor;
        }

        if (!string.Equals(statement.RepoId, expectedRepoId, StringComparison.Ordinal))
        {
            return StatementRejection.WrongRepo;
        }

        if (!StatementSequence.IsPlausible(statement.Sequence, now))
        {
            return StatementRejection.ImplausibleSequence;
        }

        return NodeIdentity.Verify(statement.AuthorKey.AsSpan(), statement.SignedBytes, statement.Signature)
            ? null
            : StatementRejection.BadSignature;
    }
}
