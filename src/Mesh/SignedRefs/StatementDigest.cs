using System.Globalization;
using System.Text;

namespace PeerMesh.Mesh.SignedRefs;

/// <summary>
/// A statement's digest is the git object id of the blob holding it (SHA-1 over <c>"blob &lt;size&gt;\0"</c> and the
/// bytes), so a ref advertisement says which statement a holder has without fetching it. SHA-1 here is git's object
/// naming, not the security of the scheme: whatever is fetched is checked by its Ed25519 signature. Hashed by
/// <see cref="GitSha1"/>, not the framework's (OpenSSL).
/// </summary>
internal static class StatementDigest
{
    public static string Of(ReadOnlySpan<byte> encoded)
    {
        var header = Encoding.ASCII.GetBytes("blob " + encoded.Length.ToString(CultureInfo.InvariantCulture) + "\0");
        return Convert.ToHexStringLower(GitSha1.Hash(header, encoded));
    }

    /// <summary>40 lower-case hex characters.</summary>
    public static bool IsDigest(string? digest) =>
        digest is { Length: 40 } && digest.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
