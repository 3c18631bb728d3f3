namespace PeerMesh.Cli.Status;

internal sealed record ServingInfo(bool Up, int Port, int Restarts, string? LastError);
