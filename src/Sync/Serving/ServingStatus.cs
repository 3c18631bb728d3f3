namespace PeerMesh.Sync.Serving;

/// <summary>What the git daemon supervisor reports: whether serving is up, on which port, and why not.</summary>
/// <param name="Up">The daemon is running and listening.</param>
/// <param name="Port">The port actually bound (what is advertised).</param>
/// <param name="Restarts">How many times the daemon was restarted after dying.</param>
/// <param name="LastError">Why it last died or failed to start, in plain words; null if it never did.</param>
/// <param name="NextTry">While down: when the next start is tried.</param>
public sealed record ServingStatus(bool Up, int Port, int Restarts, string? LastError, DateTimeOffset? NextTry = null);
