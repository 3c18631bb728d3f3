namespace PeerMesh.Sync.Fetching;

/// <summary>Why PeerMesh told libgit2 to stop a running fetch (by returning false from a callback).</summary>
internal enum FetchAbortReason
{
    None = 0,
    NoProgress = 1,
    PackTooLarge = 2,
    ForeignRef = 3,
    TooManyRefs = 4,
}
