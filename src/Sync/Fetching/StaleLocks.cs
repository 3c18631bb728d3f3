namespace PeerMesh.Sync.Fetching;

/// <summary>
/// Ref lock files left under <c>refs/remotes/&lt;managed remote&gt;/</c> by a node killed mid-fetch. Only our own
/// namespace is cleaned (the user's refs, packed-refs and config locks are never ours to break), and only locks
/// older than <see cref="SyncOptions.StaleLockAge"/>: whether a live git process holds one is not detectable,
/// but no fetch of ours holds a ref lock for minutes.
/// </summary>
internal static class StaleLocks
{
    /// <summary>Removes stale <c>*.lock</c> files of one remote's tracking refs; returns how many.</summary>
    public static int Remove(string gitDir, string remoteName, TimeSpan maxAge, DateTimeOffset now)
    {
        var directory = Path.Combine(gitDir, "refs", "remotes", remoteName);
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(directory, "*.lock", SearchOption.AllDirectories))
        {
            try
            {
                var info = new FileInfo(file);
                if (info.LinkTarget is null && now - info.LastWriteTimeUtc > maxAge)
                {
                    info.Delete();
                    removed++;
                }
            }
            catch (IOException)
            {
                // Gone already or in use: the fetch reports lock contention if it matters.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return removed;
    }
}
