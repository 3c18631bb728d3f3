namespace PeerMesh.Cli.Status;

/// <param name="Ahead">Commits the peer has on this branch that you do not.</param>
/// <param name="Behind">Commits you have that the peer does not.</param>
internal sealed record BranchStatus(string Name, int Ahead, int Behind);
