namespace PeerMesh.Cli.Status;

/// <param name="Error">Why the repository cannot be used right now (moved or deleted while the node runs), else null.</param>
/// <param name="RemoteCap">Set when the cap on managed remotes left nodes serving it without one; else null.</param>
internal sealed record RepoStatus(string Id, string Name, string Url, string Path, string? Error = null, RemoteCapInfo? RemoteCap = null);
