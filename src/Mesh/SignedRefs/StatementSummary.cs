namespace PeerMesh.Mesh.SignedRefs;

/// <summary>
/// What a node says it holds of an author's work in a repository: the author, the statement's sequence and digest,
/// and who holds it (the author itself or a relay). A claim until the statement is fetched and verified.
/// </summary>
internal sealed record StatementSummary(string AuthorId, string RepoId, long Sequence, string Digest, string HolderId);
