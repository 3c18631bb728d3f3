namespace PeerMesh.Cli.Status;

/// <param name="State">alive, suspect, dead or left.</param>
/// <param name="FoundBy">seed, gossip, mdns, last-known.</param>
internal sealed record PeerStatus(
    string Id,
    string Name,
    string State,
    string Address,
    DateTimeOffset LastSeen,
    IReadOnlyList<string> FoundBy,
    IReadOnlyList<PeerRemoteStatus>? Remotes = null);
