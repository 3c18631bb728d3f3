namespace PeerMesh.Sync.Serving;

/// <summary>Whether a served repository can be cloned now.</summary>
public enum ServedRepositoryState
{
    /// <summary>The daemon is up and the git directory is there.</summary>
    Serving,

    /// <summary>The daemon is down (see <see cref="ServingStatus"/> for why and when it is tried again).</summary>
    DaemonDown,

    /// <summary>Its git directory is gone or no longer a repository: requests for it are refused.</summary>
    Missing,
}
