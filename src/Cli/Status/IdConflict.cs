namespace PeerMesh.Cli.Status;

/// <summary>Another address claimed a peer's id, without proof (a replay) or with its key (a copied node); not believed.</summary>
/// <param name="Address">Where the claim came from.</param>
/// <param name="At">When it last came.</param>
internal sealed record IdConflict(string Address, DateTimeOffset At);
