namespace PeerMesh.Cli.Status;

internal sealed record LastFetchInfo(DateTimeOffset At, bool Ok, string? Error);
