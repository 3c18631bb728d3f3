namespace PeerMesh.Cli.Status;

/// <param name="State">alive, suspect, dead or left.</param>
/// <param name="FoundBy">seed, gossip, mdns, last-known.</param>
/// <param name="Trusted">
/// False when <c>git config peermesh.trust</c> lists other nodes: not fetched, and given no remote (one it already
/// had is kept with its refs).
/// </param>
/// <param name="Conflict">The last other address that claimed this peer's id and was not believed (HOSTILE 9, 20).</param>
/// <param name="Serves">Which of the projects shown (repo ids) the peer announces.</param>
/// <param name="OtherProjects">How many projects the peer announces that are not shown: with no <paramref name="Serves"/>,
/// a peer serving only other projects, marked so rather than listed with empty columns.</param>
internal sealed record PeerStatus(
    string Id,
    string Name,
    string State,
    string Address,
    DateTimeOffset LastSeen,
    IReadOnlyList<string> FoundBy,
    IReadOnlyList<PeerRemoteStatus>? Remotes = null,
    bool Trusted = true,
    IdConflict? Conflict = null,
    IReadOnlyList<string>? Serves = null,
    int OtherProjects = 0);
