using System.Net;

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

    public string? MeshKeyFile { get; init; }

    public bool Mdns { get; init; } = true;

    public TimeSpan FetchInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Where the web dashboard listens; null = no dashboard.</summary>
    public IPEndPoint? Dashboard { get; init; }
}
