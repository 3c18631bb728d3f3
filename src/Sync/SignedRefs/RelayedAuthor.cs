namespace PeerMesh.Sync.SignedRefs;

/// <summary>
/// An author whose verified statement this node holds for the repository, for <c>status</c>: where its work is
/// (<paramref name="Remote"/>, null at the remote cap), the statement (<paramref name="Sequence"/>,
/// <paramref name="SignedAt"/>, <paramref name="Name"/> as signed) and the holder it was last accepted from
/// (<paramref name="ViaId"/>: the author itself when fetched directly; null when restored at start).
/// </summary>
internal sealed record RelayedAuthor(string AuthorId, string Name, string? Remote, long Sequence, DateTimeOffset SignedAt, string? ViaId, DateTimeOffset AcceptedAt);
