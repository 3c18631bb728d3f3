using LibGit2Sharp;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// The only code that writes a fetch's refs: the peer's advertised branches (<c>refs/heads/*</c>) become
/// <c>refs/remotes/&lt;remote&gt;/*</c>, each one asked of <see cref="FetchProgress.OnUpdateTip"/> before it is written.
/// Nothing in the repository's config (refspecs, mirror, tagOpt) takes part, tags are never written, nothing is
/// pruned and FETCH_HEAD is left alone (HOSTILE 48, 50).
/// </summary>
internal static class TrackingRefs
{
    private const string Heads = "refs/heads/";

    /// <summary>
    /// Writes the tracking refs of <paramref name="remoteName"/> that differ from what the peer advertised. Throws
    /// <see cref="LibGit2SharpException"/> when <paramref name="progress"/> stops the fetch, and whatever LibGit2Sharp
    /// throws for a ref it cannot write (a lock: <see cref="LockedFileException"/>; an object the peer did not send).
    /// </summary>
    public static void Write(Repository repo, string remoteName, IEnumerable<(string Name, ObjectId Id)> advertised, FetchProgress progress, string logMessage)
    {
        var prefix = $"refs/remotes/{remoteName}/";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, id) in advertised)
        {
            // The peer's words: a name git would refuse (or a peeled "^{}" line) is skipped, as git skips it.
            if (!name.StartsWith(Heads, StringComparison.Ordinal) || name.Length == Heads.Length || !Reference.IsValidName(name))
            {
                continue;
            }

            var destination = prefix + name[Heads.Length..];
            if (!Reference.IsValidName(destination) || !seen.Add(destination))
            {
                continue;
            }

            var current = repo.Refs[destination];
            var oldId = current is DirectReference direct ? new ObjectId(direct.TargetIdentifier) : ObjectId.Zero;
            if (oldId == id)
            {
                continue;
            }

            if (!progress.OnUpdateTip(destination, oldId, id))
            {
                throw new LibGit2SharpException("fetch stopped before writing " + destination);
            }

            repo.Refs.Add(destination, id, logMessage, allowOverwrite: true);
        }
    }
}
