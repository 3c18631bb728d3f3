namespace PeerMesh.TestSupport.Netns;

/// <summary>How a node is started: `peermesh up REPO --listen ADDR --git-port 0 --gossip-port 0 [--peer ..] [--no-mdns] --name NAME`.</summary>
public sealed record PeerMeshNodeOptions
{
    /// <summary>Seeds as HOST:PORT (`--peer`, repeated).</summary>
    public IReadOnlyList<string> Peers { get; init; } = [];

    public bool NoMdns { get; init; }

    /// <summary>Extra arguments appended to `up` (e.g. a fast test preset once the daemon has one).</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];
}
