namespace PeerMesh.Cli.Status;

/// <param name="Error">Why the repository cannot be used right now (moved or deleted while the node runs), else null.</param>
internal sealed record RepoStatus(string Id, string Name, string Url, string Path, string? Error = null);
