namespace PeerMesh.Cli.Status;

/// <summary>
/// The document of <c>status --json</c> and of the control protocol's "status": the stable, versioned
/// contract for scripts. Fields are only ever added; none is removed or renamed.
/// </summary>
internal sealed record StatusDocument(int Version, NodeStatus Node, ServingInfo Serving, IReadOnlyList<RepoStatus> Repos, IReadOnlyList<PeerStatus> Peers)
{
    public const int CurrentVersion = 1;
}

internal sealed record NodeStatus(string Id, string Name, int GossipPort, string Mesh, DateTimeOffset StartedAt);

internal sealed record ServingInfo(bool Up, int Port, int Restarts, string? LastError);

internal sealed record RepoStatus(string Id, string Name, string Url, string Path);

internal sealed record PeerStatus(string Id, string Name, string State, string Address, DateTimeOffset LastSeen, IReadOnlyList<string> FoundBy);
