namespace PeerMesh.Sync.Status;

/// <summary>One branch of a peer: present locally too, or only on the peer (<paramref name="Local"/> false).</summary>
/// <param name="Name">Branch name without <c>refs/heads/</c>.</param>
/// <param name="Ahead">
/// Commits the peer has that your branch does not; for a branch you do not have, commits reachable from none of
/// your branches.
/// </param>
/// <param name="Behind">Commits your branch has that the peer's does not; 0 for a branch you do not have.</param>
/// <param name="Local">False when you have no branch of that name.</param>
internal sealed record BranchDivergence(string Name, int Ahead, int Behind, bool Local = true);
