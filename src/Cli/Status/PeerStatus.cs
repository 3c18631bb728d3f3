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
/// <param name="Via">
/// The nodes its newest verified work came through (by name), when it did not come from the peer itself; an author
/// never seen directly is listed with state <c>offline</c> and found by <c>relay</c>.
/// </param>
/// <param name="Statement">The newest statement held of its work, per project.</param>
/// <param name="Refused">Copies of others' work this peer served and this node refused (the conflict, HOSTILE 52, 53).</param>
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
    int OtherProjects = 0,
    IReadOnlyList<string>? Via = null,
    IReadOnlyList<StatementInfo>? Statement = null,
    IReadOnlyList<RelayConflictInfo>? Refused = null);
