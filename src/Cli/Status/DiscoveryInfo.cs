namespace PeerMesh.Cli.Status;

/// <param name="Mdns">on, off, or degraded.</param>
/// <param name="MdnsProblem">Why mDNS is degraded, for people; null otherwise.</param>
/// <param name="Seeds">The static seeds as configured.</param>
/// <param name="SeedStatus">Each seed's joining, in the order of <paramref name="Seeds"/> (duplicates once).</param>
internal sealed record DiscoveryInfo(string Mdns, string? MdnsProblem, IReadOnlyList<string> Seeds, IReadOnlyList<SeedInfo>? SeedStatus = null);
