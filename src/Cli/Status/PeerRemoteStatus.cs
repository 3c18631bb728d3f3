namespace PeerMesh.Cli.Status;

internal sealed record PeerRemoteStatus(
    string Repo,
    string Remote,
    LastFetchInfo? LastFetch,
    DateTimeOffset? NextFetch,
    IReadOnlyList<BranchStatus> Branches,
    bool Fetching = false,
    bool Rewritten = false,
    FetchProgressInfo? Progress = null);
