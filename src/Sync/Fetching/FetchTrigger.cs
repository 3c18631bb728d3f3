namespace PeerMesh.Sync.Fetching;

/// <summary>Why a fetch of a peer was asked for.</summary>
internal enum FetchTrigger
{
    None = 0,

    /// <summary>The peer's refs version for our repo differs from the one we last asked for (the fast path).</summary>
    RefsChanged = 1,

    /// <summary>The peer became live (joined, came back, or was first seen).</summary>
    Joined = 2,

    /// <summary>The jittered periodic backstop.</summary>
    Backstop = 3,

    /// <summary><c>peermesh fetch</c>.</summary>
    Explicit = 4,

    /// <summary>The wait after a local error (disk full, repository gone) is over: try again.</summary>
    LocalRetry = 5,

    /// <summary>The peer was seen at a new address (its remote URL changed): fetch there at once.</summary>
    Moved = 6,
}
