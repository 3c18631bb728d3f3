namespace PeerMesh.Cli.Status;

/// <param name="Path">The repository's path on the node's git daemon (<c>/NAME</c>), as in its URL.</param>
/// <param name="Error">Why the repository cannot be used right now (moved or deleted while the node runs), else null.</param>
/// <param name="RemoteCap">Set when the cap on managed remotes left nodes serving it without one; else null.</param>
/// <param name="LocalPath">The repository's work tree on this machine.</param>
/// <param name="Shallow">A shallow clone whose history is cut: its id is the cut, and it matches no full clone.</param>
/// <param name="SignedRefs">This node's statement and the statements taken from others; null when the node signs nothing.</param>
internal sealed record RepoStatus(string Id, string Name, string Url, string Path, string? Error = null, RemoteCapInfo? RemoteCap = null, string? LocalPath = null, bool Shallow = false, SignedRefsInfo? SignedRefs = null);
