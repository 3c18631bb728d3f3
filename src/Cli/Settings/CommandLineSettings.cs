namespace PeerMesh.Cli.Settings;

/// <summary>What was given on the command line of <c>up</c>; null means "not given".</summary>
internal sealed record CommandLineSettings
{
    public string? Name { get; init; }

    public string? Listen { get; init; }

    public int? GitPort { get; init; }

    public int? GossipPort { get; init; }

    public IReadOnlyList<string> Peers { get; init; } = [];

    public IReadOnlyList<string> MeshKeyFiles { get; init; } = [];

    public bool NoMdns { get; init; }

    public int? FetchIntervalSeconds { get; init; }
}
