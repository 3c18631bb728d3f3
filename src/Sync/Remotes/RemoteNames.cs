using System.Text;

namespace PeerMesh.Sync.Remotes;

/// <summary>
/// Maps an untrusted peer name to a git remote name that is valid as a ref component everywhere
/// (HOSTILE-INPUTS 15): lower-case ASCII letters, digits, '-' and '_' only, no leading or trailing '-',
/// at most <see cref="MaxLength"/> characters, never a name git gives a meaning to.
/// </summary>
internal static class RemoteNames
{
    /// <summary>Cap on the name taken from the peer; a collision suffix may add up to 1 + <see cref="MaxSuffixLength"/>.</summary>
    public const int MaxLength = 32;

    public const int ShortSuffixLength = 8;

    public const int MaxSuffixLength = 32;

    private const string Fallback = "peer";

    // Names that refer to something else in git's revision syntax or its own files.
    private static readonly HashSet<string> s_reserved = new(StringComparer.Ordinal)
    {
        "head", "fetch_head", "orig_head", "merge_head", "cherry_pick_head", "revert_head", "bisect_head",
        "auto_merge", "stash", "refs", "remotes", "heads", "tags",
    };

    /// <summary>The base name for a peer: safe for any input, never empty.</summary>
    public static string Sanitize(string? peerName)
    {
        var builder = new StringBuilder(MaxLength);
        var lastWasDash = true; // so leading separators are dropped
        foreach (var c in peerName ?? string.Empty)
        {
            if (builder.Length >= MaxLength)
            {
                break;
            }

            if (char.IsAsciiLetterOrDigit(c) || c == '_')
            {
                builder.Append(char.ToLowerInvariant(c));
                lastWasDash = false;
            }
            else if (!lastWasDash)
            {
                // Everything else (dots, ':', '*', '@', spaces, control and non-ASCII characters) becomes one '-'.
                builder.Append('-');
                lastWasDash = true;
            }
        }

        while (builder.Length > 0 && builder[^1] == '-')
        {
            builder.Length--;
        }

        var name = builder.ToString();
        if (name.Length == 0)
        {
            return Fallback;
        }

        return s_reserved.Contains(name) ? Fallback + "-" + name : name;
    }

    /// <summary>The node id reduced to lower-case hex (ids arrive from the network), never empty.</summary>
    public static string NodeSuffix(string nodeId, int length)
    {
        var builder = new StringBuilder(length);
        foreach (var c in nodeId)
        {
            if (builder.Length >= length)
            {
                break;
            }

            if (char.IsAsciiHexDigit(c))
            {
                builder.Append(char.ToLowerInvariant(c));
            }
        }

        return builder.Length == 0 ? "0" : builder.ToString();
    }

    /// <summary>
    /// The name for a new remote: the sanitised peer name, or with a short node-id suffix when <paramref name="isTaken"/>
    /// says it is taken (by a user's remote or another peer's), then a longer one. Null when every candidate is taken.
    /// </summary>
    public static string? Choose(string? peerName, string nodeId, Func<string, bool> isTaken)
    {
        var baseName = Sanitize(peerName);
        if (!isTaken(baseName))
        {
            return baseName;
        }

        foreach (var length in new[] { ShortSuffixLength, 16, MaxSuffixLength })
        {
            var candidate = baseName + "-" + NodeSuffix(nodeId, length);
            if (!isTaken(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>True for names this class can produce (used to refuse odd names handed to <c>forget</c>).</summary>
    public static bool IsSafe(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength + 1 + MaxSuffixLength || name[0] == '-' || name[^1] == '-')
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
