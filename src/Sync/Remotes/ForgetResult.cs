namespace PeerMesh.Sync.Remotes;

/// <summary>What <c>forget NAME</c> did.</summary>
internal enum ForgetResult
{
    /// <summary>The managed remote and its tracking refs were removed.</summary>
    Removed = 0,

    /// <summary>No remote has that name.</summary>
    NotFound = 1,

    /// <summary>The remote exists but is the user's own: left alone.</summary>
    NotManaged = 2,
}
