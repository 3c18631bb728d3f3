namespace PeerMesh.Cli.Status;

/// <summary>The cap on a repository's managed remotes, shown once it left nodes without one (HOSTILE 47).</summary>
/// <param name="Max">At most this many managed remotes (pinned nodes may go beyond).</param>
/// <param name="Managed">Managed remotes now.</param>
/// <param name="Refused">Live nodes serving the repository that were given no remote.</param>
internal sealed record RemoteCapInfo(int Max, int Managed, int Refused);
