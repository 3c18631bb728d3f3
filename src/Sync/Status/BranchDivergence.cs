namespace PeerMesh.Sync.Status;

/// <summary>One branch that exists both locally and on a peer.</summary>
/// <param name="Name">Branch name without <c>refs/heads/</c>.</param>
/// <param name="Ahead">Commits the peer has that your branch does not.</param>
/// <param name="Behind">Commits your branch has that the peer's does not.</param>
internal sealed record BranchDivergence(string Name, int Ahead, int Behind);
