namespace PeerMesh.Cli.Node;

/// <summary>Who holds a repository's node lock; shown when a second <c>up</c> is refused.</summary>
internal sealed record NodeLockInfo(string Id, string Name, int Pid);
