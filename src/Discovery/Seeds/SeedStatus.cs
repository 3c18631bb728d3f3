namespace PeerMesh.Discovery.Seeds;

/// <summary>What `status` can show about one seed.</summary>
/// <param name="Seed">As configured.</param>
/// <param name="Joined">A live member answers at one of its addresses.</param>
/// <param name="Attempts">Tries so far.</param>
/// <param name="LastError">Why the last try failed (e.g. DNS), or null.</param>
/// <param name="NextAttempt">When it is tried or checked next.</param>
internal sealed record SeedStatus(string Seed, bool Joined, int Attempts, string? LastError, DateTimeOffset NextAttempt);
