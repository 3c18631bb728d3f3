namespace PeerMesh.Sync.Watching;

/// <summary>
/// inotify (through <see cref="FileSystemWatcher"/>) on what the node reads from a repository: <c>refs/</c>
/// (recursive; only <c>refs/heads</c> counts), <c>packed-refs</c>, <c>HEAD</c> and <c>config</c> in the common git
/// dir, and for a linked worktree its own <c>HEAD</c> and <c>config.worktree</c>. Git writes each of these as a
/// lock file renamed into place, which is a rename event carrying the final name. Events elsewhere (the index,
/// objects, our own fetches under <c>refs/remotes</c>) are dropped here, so a busy work tree costs a name check, not
/// a look at the repository.
/// </summary>
internal sealed class FileSystemGitDirWatch : IGitDirWatch
{
    private const string HeadsFolder = "heads";

    private readonly string _gitDir;
    private readonly string _commonDir;
    private readonly List<FileSystemWatcher> _watchers = [];

    public FileSystemGitDirWatch(string gitDir, string commonDir)
    {
        _gitDir = gitDir;
        _commonDir = commonDir;
    }

    public string? Start(Action<GitDirChange> onChange, Action<string> onFailed)
    {
        if (_watchers.Count > 0)
        {
            throw new InvalidOperationException("already started");
        }

        var refs = Path.Combine(_commonDir, "refs");
        try
        {
            Add(refs, recursive: true, path => InHeads(refs, path) ? GitDirChange.Refs : GitDirChange.None, onChange, onFailed);
            Add(_commonDir, recursive: false, path => CommonDirEntry(Path.GetFileName(path)), onChange, onFailed);
            if (!string.Equals(_gitDir, _commonDir, StringComparison.Ordinal))
            {
                Add(_gitDir, recursive: false, path => WorktreeEntry(Path.GetFileName(path)), onChange, onFailed);
            }

            return null;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            // Out of inotify instances or watches, a file system without notifications: all or nothing, the owner polls.
            Dispose();
            return e.Message;
        }
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.EnableRaisingEvents = false;
            watcher.Dispose();
        }

        _watchers.Clear();
    }

    /// <summary>Loose branches: <c>refs/heads</c> itself (created, removed) and anything under it.</summary>
    internal static bool InHeads(string refsDir, string path)
    {
        var relative = Path.GetRelativePath(refsDir, path);
        return relative == HeadsFolder || relative.StartsWith(HeadsFolder + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    internal static GitDirChange CommonDirEntry(string name) => name switch
    {
        "packed-refs" or "HEAD" or "refs" => GitDirChange.Refs,
        "config" or "config.worktree" => GitDirChange.Config,
        _ => GitDirChange.None,
    };

    internal static GitDirChange WorktreeEntry(string name) => name switch
    {
        "HEAD" => GitDirChange.Refs,
        "config.worktree" => GitDirChange.Config,
        _ => GitDirChange.None,
    };

    private void Add(string directory, bool recursive, Func<string, GitDirChange> classify, Action<GitDirChange> onChange, Action<string> onFailed)
    {
        if (!Directory.Exists(directory))
        {
            throw new IOException($"{directory} does not exist");
        }

        var watcher = new FileSystemWatcher(directory)
        {
            IncludeSubdirectories = recursive,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite,
            InternalBufferSize = 64 * 1024,
        };
        _watchers.Add(watcher);
        FileSystemEventHandler onEvent = (_, e) => Raise(classify(e.FullPath), onChange);
        watcher.Created += onEvent;
        watcher.Changed += onEvent;
        watcher.Deleted += onEvent;
        watcher.Renamed += (_, e) => Raise(classify(e.FullPath) | classify(e.OldFullPath), onChange);
        watcher.Error += (_, e) =>
        {
            // Lost events: look at everything. Anything else (the watch limit reached for a new folder, the folder
            // gone) means events may stop coming: the owner falls back to polling.
            onChange(GitDirChange.All);
            if (e.GetException() is not InternalBufferOverflowException)
            {
                onFailed(e.GetException().Message);
            }
        };
        watcher.EnableRaisingEvents = true;
    }

    private static void Raise(GitDirChange change, Action<GitDirChange> onChange)
    {
        if (change != GitDirChange.None)
        {
            onChange(change);
        }
    }
}
