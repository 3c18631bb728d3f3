namespace PeerMesh.Cli.Status;

/// <param name="Ahead">
/// Commits the peer has on this branch that you do not (for a branch you lack: reachable from none of your branches).
/// </param>
/// <param name="Behind">Commits you have that the peer does not (0 for a branch you lack).</param>
/// <param name="Local">False when only the peer has a branch of this name.</param>
internal sealed record BranchStatus(string Name, int Ahead, int Behind, bool Local = true);
