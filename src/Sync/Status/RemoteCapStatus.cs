namespace PeerMesh.Sync.Status;

/// <summary>The cap on managed remotes (HOSTILE 47) as the last reconciliation left it.</summary>
/// <param name="Max">The cap (<see cref="SyncOptions.MaxManagedRemotes"/>).</param>
/// <param name="Managed">Managed remotes in the repository's config now (pinned nodes may take it above the cap).</param>
/// <param name="Refused">Live nodes serving this repository that were given no remote because of the cap.</param>
internal sealed record RemoteCapStatus(int Max, int Managed, int Refused)
{
    public bool Reached => Refused > 0;
}
