namespace PeerMesh.TestSupport.Netns;

/// <summary>How a node is started: `peermesh up REPO [--listen ADDR] --git-port 0 --gossip-port 0 [--peer ..] [--no-mdns] --name NAME`.</summary>
public sealed record PeerMeshNodeOptions
{
    /// <summary>
    /// No --listen: bound to every address as by default, so the node advertises none and proves the address
    /// others see it at (HOSTILE 9). Otherwise bound to the host's address.
    /// </summary>
    public bool EveryAddress { get; init; }

    /// <summary>Seeds as HOST:PORT (`--peer`, repeated).</summary>
    public IReadOnlyList<string> Peers { get; init; } = [];

    public bool NoMdns { get; init; }

    /// <summary>Extra arguments appended to `up` (e.g. a fast test preset once the daemon has one).</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];
}
