namespace PeerMesh.Discovery.Seeds;

/// <summary>What `status` can show about one seed.</summary>
/// <param name="Seed">As configured.</param>
/// <param name="Joined">A live member answers at one of its addresses.</param>
/// <param name="Attempts">Tries so far.</param>
/// <param name="LastError">
/// Why the seed is not joined: the resolver's error, or <see cref="SeedJoiner.NoAnswer"/> when what the previous try
/// offered did not become a live member by the last one; null when joined and before the first verdict.
/// </param>
/// <param name="NextAttempt">When it is tried or checked next.</param>
internal sealed record SeedStatus(string Seed, bool Joined, int Attempts, string? LastError, DateTimeOffset NextAttempt);
