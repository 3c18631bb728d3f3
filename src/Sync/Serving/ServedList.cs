using System.Text;

namespace PeerMesh.Sync.Serving;

/// <summary>
/// What a node serves, on disk where git daemon and its <see cref="AccessHook"/> read it: the folder
/// <c>HOME/serve</c>, git daemon's base path, holds one link <c>NAME -&gt; GIT-DIRECTORY</c> per served repository
/// (how git daemon finds it), and <c>HOME/serve.list</c> one line <c>NAME&lt;TAB&gt;GIT-DIRECTORY</c> each (what the
/// hook allows). The list is replaced whole by a rename, so a request sees the old list or the new one, never half.
/// A removal is in force once the list is renamed; the links go after. Anything in the folder that is not one of our
/// links (a folder, a file, a link someone else made) is never served: it is not in the list, or its directory is
/// not the one listed. Not thread-safe: the supervisor calls it under its lock.
/// </summary>
internal sealed class ServedList
{
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private IReadOnlyDictionary<string, string> _current = new Dictionary<string, string>(ServedName.Comparer);

    private readonly string _homeDirectory;

    public ServedList(string homeDirectory)
    {
        _homeDirectory = homeDirectory;
        BasePath = Path.Combine(homeDirectory, "serve");
        ListFile = Path.Combine(homeDirectory, "serve.list");
    }

    /// <summary>git daemon's <c>--base-path</c>: <c>git://HOST:PORT/NAME</c> is <c>BasePath/NAME</c>.</summary>
    public string BasePath { get; }

    public string ListFile { get; }

    /// <summary>Name to full git directory, as last applied.</summary>
    public IReadOnlyDictionary<string, string> Current => _current;

    /// <summary>
    /// Checks a whole set before anything changes: every name valid and unique ignoring case, every directory a git
    /// directory, none served twice, no name held in the folder by something that is not our link.
    /// Returns the set with full paths.
    /// </summary>
    /// <exception cref="ArgumentException">A name is not a valid served name, or two differ only in case (the caller's error: see <see cref="ServedName"/>).</exception>
    /// <exception cref="ServeException">A directory cannot be served; the message is one line for the user.</exception>
    public IReadOnlyDictionary<string, string> Validate(IReadOnlyDictionary<string, string> wanted)
    {
        var checkedSet = new Dictionary<string, string>(ServedName.Comparer);
        var directories = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, directory) in wanted)
        {
            if (!ServedName.IsValid(name))
            {
                throw new ArgumentException($"'{name}' is not a valid served name (see ServedName)", nameof(wanted));
            }

            if (checkedSet.ContainsKey(name))
            {
                throw new ArgumentException($"two repositories named '{name}' (names are unique ignoring case)", nameof(wanted));
            }

            if (string.IsNullOrEmpty(directory) || directory.Any(char.IsControl))
            {
                throw new ServeException($"cannot serve '{Printable(directory)}' as {name}: not a usable path");
            }

            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
            if (!IsGitDirectory(full))
            {
                throw new ServeException($"cannot serve {full} as {name}: not a git repository");
            }

            if (directories.TryGetValue(full, out var other))
            {
                throw new ServeException($"cannot serve {full} as {name}: it is served as {other} already");
            }

            // A link there is replaced (links in the folder are ours to make); a file or folder is someone's: never removed.
            var entry = Path.Combine(BasePath, name);
            if (new FileInfo(entry).LinkTarget is null && (File.Exists(entry) || Directory.Exists(entry)))
            {
                throw new ServeException($"cannot serve {full} as {name}: {entry} is in the way (not made by PeerMesh; move it away)");
            }

            directories[full] = name;
            checkedSet[name] = full;
        }

        return checkedSet;
    }

    /// <summary>Makes the folder and the list say <paramref name="served"/> (already validated).</summary>
    public void Apply(IReadOnlyDictionary<string, string> served)
    {
        Directory.CreateDirectory(BasePath, PrivateDirectory);
        foreach (var (name, directory) in served)
        {
            var link = Path.Combine(BasePath, name);
            if (new FileInfo(link).LinkTarget == directory)
            {
                continue;
            }

            DeleteLink(link);
            File.CreateSymbolicLink(link, directory);
        }

        // Which refs each one serves, before the list allows it (until then it would serve no branch: fail closed).
        ServedRefs.WriteInclude(_homeDirectory, served.Values);
        WriteList(served);
        _current = served;
        foreach (var entry in new DirectoryInfo(BasePath).EnumerateFileSystemInfos())
        {
            if (!served.ContainsKey(entry.Name))
            {
                DeleteLink(entry.FullName);
            }
        }
    }

    /// <summary>Whether <paramref name="directory"/> is still a git directory (a served repository can vanish).</summary>
    public static bool IsGitDirectory(string directory)
    {
        // git's own test (is_git_directory): HEAD, objects and refs, or a commondir holding the last two (a worktree's).
        var common = File.Exists(Path.Combine(directory, "commondir"));
        return File.Exists(Path.Combine(directory, "HEAD"))
            && (common || (Directory.Exists(Path.Combine(directory, "objects")) && Directory.Exists(Path.Combine(directory, "refs"))));
    }

    private void WriteList(IReadOnlyDictionary<string, string> served)
    {
        var text = new StringBuilder();
        foreach (var (name, directory) in served.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(name).Append('\t').Append(directory).Append('\n');
        }

        var temporary = ListFile + ".new";
        File.Delete(temporary);
        using (var stream = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = PrivateFile }))
        {
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
        }

        File.Move(temporary, ListFile, overwrite: true);
    }

    /// <summary>Deletes <paramref name="path"/> if it is a link; anything else is left where it is (and never served).</summary>
    private static void DeleteLink(string path)
    {
        var entry = new FileInfo(path);
        if (entry.LinkTarget is not null)
        {
            entry.Delete();
        }
    }

    private static string Printable(string? text) => new([.. (text ?? "").Select(c => char.IsControl(c) ? '?' : c)]);
}
