using PeerMesh.Mesh.SignedRefs;

namespace PeerMesh.Sync.SignedRefs;

/// <summary>
/// What a repository holds under an author's statement ref: the decoded statement (not yet verified: offer it to a
/// <see cref="StatementLedger"/>), or why there is none (<see cref="Missing"/>, <see cref="NotABlob"/>, or a
/// <see cref="StatementRejection"/> reason for bytes that do not decode).
/// </summary>
internal sealed record StoredStatement(RefsStatement? Statement, string? Problem)
{
    /// <summary>No statement ref for that author.</summary>
    public const string Missing = "missing";

    /// <summary>The ref is symbolic, or points at something other than a blob, or at an object the repository lacks.</summary>
    public const string NotABlob = "not-a-blob";
}
