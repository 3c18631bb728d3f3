using System.Text;

namespace PeerMesh.Mesh.SignedRefs;

/// <summary>
/// Branch names a statement may carry: what <c>git check-ref-format</c> accepts after <c>refs/heads/</c>, minus
/// <c>HEAD</c>, in at most <see cref="SignedRefsLimits.MaxBranchNameBytes"/> bytes of UTF-8. A receiver puts these names
/// into ref names of its own (<c>refs/remotes/&lt;author&gt;/NAME</c>, <c>refs/peermesh/&lt;author&gt;/heads/NAME</c>), so
/// nothing a ref name must not hold gets through (case 15).
/// </summary>
internal static class BranchNames
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name == "HEAD" || name == "@")
        {
            return false;
        }

        int bytes;
        try
        {
            bytes = s_strictUtf8.GetByteCount(name);
        }
        catch (ArgumentException)
        {
            return false; // a lone surrogate
        }

        if (bytes > SignedRefsLimits.MaxBranchNameBytes
            || name.StartsWith('/') || name.EndsWith('/') || name.EndsWith('.')
            || name.Contains("..", StringComparison.Ordinal) || name.Contains("//", StringComparison.Ordinal)
            || name.Contains("@{", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c < 0x20 || c == 0x7F || c is ' ' or '~' or '^' or ':' or '?' or '*' or '[' or '\\')
            {
                return false;
            }
        }

        foreach (var component in name.Split('/'))
        {
            if (component.StartsWith('.') || component.EndsWith(".lock", StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The name's UTF-8 bytes (valid names only).</summary>
    public static byte[] ToBytes(string name) => s_strictUtf8.GetBytes(name);

    /// <summary>Decodes a name; false when the bytes are not UTF-8 or the name is not valid.</summary>
    public static bool TryFromBytes(ReadOnlySpan<byte> bytes, out string name) => TryUtf8(bytes, out name) && IsValid(name);

    /// <summary>Strict UTF-8 (no replacement characters): false for bytes that are not UTF-8.</summary>
    internal static bool TryUtf8(ReadOnlySpan<byte> bytes, out string text)
    {
        try
        {
            text = s_strictUtf8.GetString(bytes);
            return true;
        }
        catch (ArgumentException)
        {
            text = "";
            return false;
        }
    }

    /// <summary>Strict UTF-8 bytes of <paramref name="text"/>: false when it holds a lone surrogate.</summary>
    internal static bool TryToBytes(string text, out byte[] bytes)
    {
        try
        {
            bytes = s_strictUtf8.GetBytes(text);
            return true;
        }
        catch (ArgumentException)
        {
            bytes = [];
            return false;
        }
    }

    /// <summary>Ordinal order of the UTF-8 bytes, the order of a statement's branches (and of git's refs).</summary>
    public static int Compare(string a, string b) =>
        ToBytes(a).AsSpan().SequenceCompareTo(ToBytes(b));
}
