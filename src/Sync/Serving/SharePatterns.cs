namespace PeerMesh.Sync.Serving;

/// <summary>
/// <c>git config peermesh.share</c> (multi-valued): which of its own branches a node shares. None set: every branch.
/// Each value is a branch name or a glob over branch names (<c>main</c>, <c>release/*</c>, <c>feature-?</c>): <c>*</c>
/// matches any run of characters, <c>/</c> included (as in a refspec), <c>?</c> one character, anything else itself; a
/// leading <c>refs/heads/</c> is allowed and ignored. A branch is shared when any pattern matches its whole name.
/// </summary>
public sealed class SharePatterns : IEquatable<SharePatterns>
{
    private const string Heads = "refs/heads/";

    private readonly string[] _patterns;

    private SharePatterns(string[] patterns) => _patterns = patterns;

    /// <summary>Every branch is shared.</summary>
    public static SharePatterns All { get; } = new([]);

    /// <summary>The patterns as configured (without <c>refs/heads/</c>); empty when every branch is shared.</summary>
    public IReadOnlyList<string> Patterns => _patterns;

    public bool SharesAll => _patterns.Length == 0;

    public static SharePatterns Parse(IEnumerable<string> values)
    {
        var patterns = values
            .Select(v => v.Trim())
            .Select(v => v.StartsWith(Heads, StringComparison.Ordinal) ? v[Heads.Length..] : v)
            .ToArray();
        // Set but empty (git config peermesh.share ""): share nothing rather than everything.
        return patterns.Length == 0 ? All : new SharePatterns(patterns);
    }

    public bool Shares(string branch) => _patterns.Length == 0 || _patterns.Any(p => p.Length > 0 && Matches(p, branch));

    public bool Equals(SharePatterns? other) => other is not null && _patterns.SequenceEqual(other._patterns, StringComparer.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as SharePatterns);

    public override int GetHashCode() => _patterns.Length;

    public override string ToString() => SharesAll ? "(every branch)" : string.Join(", ", _patterns);

    /// <summary>Glob match with backtracking on the last <c>*</c> (linear in practice, no recursion).</summary>
    private static bool Matches(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || (pattern[p] != '*' && pattern[p] == text[t])))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
