using System.Text;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Sync.Serving;

/// <summary>
/// The name a repository is served under on the node's git port: <c>git://HOST:PORT/NAME</c>. One path segment that
/// <see cref="RepoPath"/> accepts as <c>/NAME</c> (letters, digits, <c>.</c>, <c>_</c>, <c>-</c>; not starting with
/// <c>.</c> or <c>-</c>), at most <see cref="MaxLength"/> characters, and never ending in <c>.git</c>: git daemon
/// tries <c>NAME.git</c> for a request of <c>/NAME</c>, so a served <c>shop.git</c> would answer for <c>/shop</c>.
/// Names are unique within a node ignoring case (two links that differ only in case are one on a case-insensitive disk).
/// </summary>
public static class ServedName
{
    /// <summary>One DNS label: a repository's name fits its mDNS instance name as it is.</summary>
    public const int MaxLength = 63;

    private const string GitSuffix = ".git";
    private const string Fallback = "repo";

    /// <summary>Names compare ignoring case: <c>Shop</c> is taken when <c>shop</c> is served.</summary>
    public static StringComparer Comparer => StringComparer.OrdinalIgnoreCase;

    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name)
        && name.Length <= MaxLength
        && !name.Contains('/', StringComparison.Ordinal)
        && !name.EndsWith(GitSuffix, StringComparison.OrdinalIgnoreCase)
        && RepoPath.IsValid("/" + name);

    /// <summary>The URL path a served name is reached at (what a node advertises as the repository's path).</summary>
    public static string UrlPath(string name) => "/" + name;

    /// <summary>
    /// A valid name taken from a repository's folder: <c>/src/shop</c>, <c>/src/shop/.git</c> and the bare
    /// <c>/srv/shop.git</c> are all <c>shop</c>. Characters a name cannot hold become <c>-</c>; a folder with nothing
    /// usable (<c>/src/日本</c>) is <c>repo</c>.
    /// </summary>
    public static string FromFolder(string path)
    {
        var trimmed = Path.TrimEndingDirectorySeparator(path);
        var folder = Path.GetFileName(trimmed);
        if (folder.Equals(".git", StringComparison.OrdinalIgnoreCase))
        {
            folder = Path.GetFileName(Path.GetDirectoryName(trimmed) ?? "");
        }

        return Tidy(Sanitize(folder), MaxLength);
    }

    /// <summary>
    /// <paramref name="wanted"/> (made valid as <see cref="FromFolder"/> does) if no name in <paramref name="taken"/>
    /// is it, ignoring case; otherwise the first free of <c>wanted-2</c>, <c>wanted-3</c>, ..., shortened to fit.
    /// </summary>
    public static string Unique(string wanted, IEnumerable<string> taken)
    {
        var used = new HashSet<string>(taken, Comparer);
        var name = Tidy(Sanitize(wanted), MaxLength);
        for (var n = 2; used.Contains(name); n++)
        {
            var suffix = "-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            name = Tidy(Sanitize(wanted), MaxLength - suffix.Length) + suffix;
        }

        return name;
    }

    /// <summary>The name for the repository at <paramref name="path"/>, unique among <paramref name="taken"/>.</summary>
    public static string Choose(string path, IEnumerable<string> taken) => Unique(FromFolder(path), taken);

    /// <summary>Each run of characters a name cannot hold, with the dashes around it, becomes one <c>-</c>.</summary>
    private static string Sanitize(string text)
    {
        var builder = new StringBuilder(text.Length);
        var replacing = false;
        foreach (var c in text)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '_' || (c == '-' && !replacing))
            {
                builder.Append(c);
                replacing = false;
            }
            else if (c != '-')
            {
                if (builder.Length == 0 || builder[^1] != '-')
                {
                    builder.Append('-');
                }

                replacing = true;
            }
        }

        return builder.ToString();
    }

    /// <summary>Cut to <paramref name="length"/>, then no leading <c>.</c>/<c>-</c>, no trailing <c>.</c>/<c>-</c>, no <c>.git</c> end.</summary>
    private static string Tidy(string name, int length)
    {
        name = name.TrimStart('.', '-');
        if (name.Length > length)
        {
            name = name[..length];
        }

        while (true)
        {
            var before = name;
            name = name.TrimEnd('.', '-');
            if (name.EndsWith(GitSuffix, StringComparison.OrdinalIgnoreCase))
            {
                name = name[..^GitSuffix.Length];
            }

            if (name == before)
            {
                break;
            }
        }

        return name.Length == 0 ? Fallback : name;
    }
}
