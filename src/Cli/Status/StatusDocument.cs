namespace PeerMesh.Cli.Status;

/// <summary>
/// The document of <c>status --json</c> and of the control protocol's "status": the stable, versioned
/// contract for scripts. Fields are only ever added; none is removed or renamed.
/// </summary>
internal sealed record StatusDocument(
    int Version,
    NodeStatus Node,
    ServingInfo Serving,
    IReadOnlyList<RepoStatus> Repos,
    IReadOnlyList<PeerStatus> Peers,
    DiscoveryInfo? Discovery = null,
    GossipInfo? Gossip = null)
{
    public const int CurrentVersion = 1;
}
