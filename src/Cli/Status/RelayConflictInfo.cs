namespace PeerMesh.Cli.Status;

/// <summary>
/// A copy of an author's work this peer served and this node refused (HOSTILE 52, 53): whose work, in which project,
/// why (<c>bad-signature</c>, <c>wrong-author</c>, <c>older</c>, <c>missing-commits</c>, ...) and when. Nothing of it
/// was written.
/// </summary>
internal sealed record RelayConflictInfo(string Repo, string Author, string AuthorName, string Reason, DateTimeOffset At);
