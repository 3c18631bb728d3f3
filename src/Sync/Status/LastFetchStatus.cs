namespace PeerMesh.Sync.Status;

/// <summary>How the last fetch of a remote ended.</summary>
/// <param name="At">When it ended.</param>
/// <param name="Ok">True when it succeeded.</param>
/// <param name="Error">Plain words when it failed ("connection refused", "no answer for 30 s", "circuit open", ...).</param>
internal sealed record LastFetchStatus(DateTimeOffset At, bool Ok, string? Error);
