namespace PeerMesh.Cli.Status;

internal sealed record RepoStatus(string Id, string Name, string Url, string Path);
