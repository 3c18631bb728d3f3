using System.Globalization;
using System.Text;
using PeerMesh.Mesh.Security;

namespace PeerMesh.Sync.Serving;

/// <summary>
/// Which refs of each served repository the node's one git daemon advertises (docs/ARCHITECTURE.md, "What a node
/// serves"): its own shared branches and <c>refs/peermesh/*</c>, nothing else. In git's command-line scope of the
/// daemon (<see cref="DaemonConfig"/>, passed in its environment, inherited by every upload-pack it runs) every ref is
/// hidden (<c>uploadpack.hideRefs</c> <c>refs/</c> and <c>HEAD</c>) but <c>refs/peermesh/</c>, and
/// <c>HOME/serve.gitconfig</c> is included; that file has one <c>includeIf "gitdir:GITDIR"</c> per served repository
/// (<see cref="WriteInclude"/>), including <c>HOME/serve.refs/KEY</c>, which un-hides exactly the branches that
/// repository shares (<see cref="WriteBranches"/>, written by its Sync whenever it signs its statement) and HEAD when
/// the checked-out branch is one of them.
/// <para>
/// The repository's own config cannot loosen this: <c>hideRefs</c> is decided by the last pattern that matches, and the
/// command-line scope (with what it includes) comes after the system, global and repository files; the single-valued
/// keys set here (<c>allow*SHA1InWant</c>, <c>allowFilter</c>, <c>allowRefInWant</c>, the pack hook) are last too, so
/// they win. It fails closed: a repository whose branches file is missing or not matched serves no branch at all.
/// Hiding refs is not enough under protocol v2 (objects are served by id); <see cref="PackHook"/> does the rest.
/// </para>
/// </summary>
public static class ServedRefs
{
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const string IncludeFileName = "serve.gitconfig";
    private const string BranchesFolder = "serve.refs";

    /// <summary>The daemon's command-line config, in order (passed as <c>GIT_CONFIG_COUNT</c>/<c>KEY_n</c>/<c>VALUE_n</c>).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> DaemonConfig(string homeDirectory) =>
    [
        new("uploadpack.hideRefs", "refs/"),
        new("uploadpack.hideRefs", "HEAD"),
        new("uploadpack.hideRefs", "!refs/peermesh/"),
        new("include.path", IncludeFile(homeDirectory)),
        new("uploadpack.allowAnySHA1InWant", "false"),
        new("uploadpack.allowReachableSHA1InWant", "false"),
        new("uploadpack.allowTipSHA1InWant", "false"),
        new("uploadpack.allowFilter", "false"),
        new("uploadpack.allowRefInWant", "false"),
        new("uploadpack.packObjectsHook", PackHook.Command),
    ];

    /// <summary>The environment that carries <see cref="DaemonConfig"/> and the pack hook's script.</summary>
    internal static IReadOnlyDictionary<string, string> Environment(string homeDirectory)
    {
        var config = DaemonConfig(homeDirectory);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["GIT_CONFIG_COUNT"] = config.Count.ToString(CultureInfo.InvariantCulture),
            [PackHook.ScriptVariable] = PackHook.Script,
        };
        for (var i = 0; i < config.Count; i++)
        {
            environment[$"GIT_CONFIG_KEY_{i}"] = config[i].Key;
            environment[$"GIT_CONFIG_VALUE_{i}"] = config[i].Value;
        }

        return environment;
    }

    public static string IncludeFile(string homeDirectory) => Path.Combine(Path.GetFullPath(homeDirectory), IncludeFileName);

    /// <summary>The branches file of the repository at <paramref name="gitDirectory"/> (named by a hash of its physical path).</summary>
    public static string FileFor(string homeDirectory, string gitDirectory)
    {
        var hash = Sha256Digest.Of(PhysicalPath(gitDirectory));
        return Path.Combine(Path.GetFullPath(homeDirectory), BranchesFolder, Convert.ToHexStringLower(hash)[..32]);
    }

    /// <summary>
    /// Writes <c>HOME/serve.gitconfig</c> for the repositories served (their git directories): upload-pack in one of
    /// them includes its branches file, and nothing else. Replaced whole by a rename. A branches file of a repository no
    /// longer served is left (it is included by nothing; its Sync writes it again when the repository is served again).
    /// </summary>
    public static void WriteInclude(string homeDirectory, IEnumerable<string> gitDirectories)
    {
        var text = new StringBuilder();
        foreach (var gitDirectory in gitDirectories)
        {
            var file = FileFor(homeDirectory, gitDirectory);
            // git matches the pattern against the real path of the git directory first, then the absolute one.
            foreach (var path in new[] { PhysicalPath(gitDirectory), Path.TrimEndingDirectorySeparator(Path.GetFullPath(gitDirectory)) }.Distinct(StringComparer.Ordinal))
            {
                text.Append("[includeIf \"gitdir:").Append(Subsection(Wildmatch(path))).Append("\"]\n");
                text.Append("\tpath = ").Append(Quoted(file)).Append('\n');
            }
        }

        var folder = Path.Combine(Path.GetFullPath(homeDirectory), BranchesFolder);
        Directory.CreateDirectory(folder, PrivateDirectory);
        Replace(IncludeFile(homeDirectory), text.ToString());
    }

    /// <summary>
    /// Writes the branches file <paramref name="file"/> (<see cref="FileFor"/>): the daemon advertises
    /// <c>refs/heads/NAME</c> for each of <paramref name="branches"/>, and HEAD when <paramref name="headShared"/>.
    /// Replaced whole by a rename: an upload-pack reads the old list or the new one.
    /// </summary>
    public static void WriteBranches(string file, IEnumerable<string> branches, bool headShared)
    {
        var text = new StringBuilder("[uploadpack]\n");
        foreach (var branch in branches)
        {
            // A prefix to git (refs/heads/a also shows refs/heads/a/b), but a and a/b cannot both exist.
            text.Append("\thideRefs = ").Append(Quoted("!refs/heads/" + branch)).Append('\n');
        }

        if (headShared)
        {
            text.Append("\thideRefs = \"!HEAD\"\n");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(file)!, PrivateDirectory);
        Replace(file, text.ToString());
    }

    /// <summary>
    /// <paramref name="path"/> made absolute with every symbolic link in it resolved (what git sees as the git
    /// directory: upload-pack runs in it, and the kernel's working directory is physical).
    /// </summary>
    public static string PhysicalPath(string path) => Physical(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)), 0);

    private static string Physical(string full, int depth)
    {
        if (depth > 40)
        {
            return full; // a loop of links: leave it as it is (it cannot be served anyway)
        }

        var root = Path.GetPathRoot(full) ?? "/";
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (IOException)
            {
                target = null;
            }

            current = target is null ? next : Physical(Path.GetFullPath(target, current), depth + 1);
        }

        return current;
    }

    /// <summary>A path as a wildmatch pattern matching only itself.</summary>
    private static string Wildmatch(string path)
    {
        var pattern = new StringBuilder(path.Length);
        foreach (var c in path)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                pattern.Append('\\');
            }

            pattern.Append(c);
        }

        return pattern.ToString();
    }

    /// <summary>Escaped for a quoted config subsection: <c>\</c> and <c>"</c>.</summary>
    private static string Subsection(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    /// <summary>A config value in double quotes (spaces, <c>#</c> and <c>;</c> kept).</summary>
    private static string Quoted(string text) => "\"" + Subsection(text) + "\"";

    private static void Replace(string file, string text)
    {
        var temporary = file + ".new";
        File.Delete(temporary);
        using (var stream = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = PrivateFile }))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
        }

        File.Move(temporary, file, overwrite: true);
    }
}
