using System.Net;
using PeerMesh.Sync.Trust;

namespace PeerMesh.Cli.Settings;

/// <summary>The settings of one <c>peermesh up</c>, after flags and <c>git config peermesh.*</c> are merged.</summary>
internal sealed record NodeSettings
{
    public required string Name { get; init; }

    /// <summary>Address the git daemon and gossip listen on; null = all interfaces.</summary>
    public IPAddress? Listen { get; init; }

    public int GitPort { get; init; } = 9418;

    public int GossipPort { get; init; } = 9419;

    public IReadOnlyList<string> Peers { get; init; } = [];

    /// <summary>
    /// Mesh key files; empty = open mesh. The first seals what this node sends, all of them open what
    /// it receives, so a key is rotated by adding the new one everywhere, then putting it first, then
    /// dropping the old one.
    /// </summary>
    public IReadOnlyList<string> MeshKeyFiles { get; init; } = [];

    public bool Mdns { get; init; } = true;

    public TimeSpan FetchInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// <c>peermesh.trust</c> at start (for doctor; the running node reads the config again, see SyncService).
    /// </summary>
    public TrustList Trust { get; init; } = TrustList.Everyone;

    /// <summary>Where the web dashboard listens; null = no dashboard.</summary>
    public IPEndPoint? Dashboard { get; init; }
}
