namespace PeerMesh.Sync.Watching;

/// <summary>
/// The change notifications of one repository's git dir (<see cref="FileSystemGitDirWatch"/>; tests use one that
/// fires by hand, or never).
/// </summary>
internal interface IGitDirWatch : IDisposable
{
    /// <summary>
    /// Starts watching; <paramref name="onChange"/> runs on the watcher's thread for each relevant event and must
    /// return at once; <paramref name="onFailed"/> when watching stopped working after the start (its reason: the
    /// owner then polls). Returns null when every watch is in place, else why not (nothing is watched then).
    /// </summary>
    string? Start(Action<GitDirChange> onChange, Action<string> onFailed);
}
