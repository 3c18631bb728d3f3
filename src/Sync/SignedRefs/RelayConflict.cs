namespace PeerMesh.Sync.SignedRefs;

/// <summary>
/// A holder served an author's work that this node refused (HOSTILE 52, 53): which copy (<paramref name="Digest"/>),
/// why (a <c>StatementRejection</c> reason), and when. The holder is skipped as a source for that copy: the same
/// copy again is not verified or counted again; a new copy from it is.
/// </summary>
internal sealed record RelayConflict(string HolderId, string AuthorId, string Digest, string Reason, DateTimeOffset At);
