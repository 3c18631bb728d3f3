namespace PeerMesh.Mesh.Membership;

/// <summary>
/// One repository a node serves, as gossiped. <see cref="RefsVersion"/> only ever grows for a given
/// node and repo; a newer version means the node's refs moved and peers should fetch.
/// </summary>
/// <param name="RepoId">The project's root commit (40 hex), or the configured override.</param>
/// <param name="Name">Display name (never trusted as a path, argv or URL).</param>
/// <param name="Path">Path on the node's git daemon, validated by <see cref="RepoPath"/>.</param>
/// <param name="RefsDigest">Digest of the node's refs/heads, hex.</param>
/// <param name="RefsVersion">Monotonic per node and repo.</param>
public sealed record RepoAnnouncement(string RepoId, string Name, string Path, string RefsDigest, long RefsVersion);
