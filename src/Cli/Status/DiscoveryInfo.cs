namespace PeerMesh.Cli.Status;

/// <param name="Mdns">on, off, or degraded.</param>
internal sealed record DiscoveryInfo(string Mdns, string? MdnsProblem, IReadOnlyList<string> Seeds);
