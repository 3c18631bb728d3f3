namespace PeerMesh.Sync.LocalRepo;

/// <summary>One commit on a peer's branch, as the dashboard shows it.</summary>
public sealed record RecentCommit(string Branch, string Sha, string Author, string Message, DateTimeOffset When);
