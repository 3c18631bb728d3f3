namespace PeerMesh.Cli.Status;

/// <param name="LocalPath">The local repository (work tree) this remote is in: a node serving several projects has remotes in several.</param>
internal sealed record PeerRemoteStatus(
    string Repo,
    string Remote,
    LastFetchInfo? LastFetch,
    DateTimeOffset? NextFetch,
    IReadOnlyList<BranchStatus> Branches,
    bool Fetching = false,
    bool Rewritten = false,
    FetchProgressInfo? Progress = null,
    string? LocalPath = null);
