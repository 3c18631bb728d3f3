namespace PeerMesh.Cli.Status;

/// <param name="NextTry">While the daemon is down: when its next start is tried (null while up).</param>
internal sealed record ServingInfo(bool Up, int Port, int Restarts, string? LastError, DateTimeOffset? NextTry = null);
