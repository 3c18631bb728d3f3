using PeerMesh.Mesh.Security;
using System.Text;

namespace PeerMesh.Mesh.Wire;

/// <summary>
/// The digest an alive carries instead of its repositories: the first 16 bytes of SHA-256 over the repository ids,
/// sorted ordinally, each followed by a newline. Equal digests (and counts) mean the same set of ids; a receiver that
/// holds another set asks the member for its statements.
/// </summary>
internal static class RepoSetSummary
{
    public const int DigestSize = 16;

    public static byte[] Digest(IEnumerable<string> repoIds)
    {
        var sorted = repoIds.Order(StringComparer.Ordinal);
        var hash = Sha256Digest.Begin();
        Span<byte> buffer = stackalloc byte[WireValidation.MaxRepoIdLength + 1];
        foreach (var id in sorted)
        {
            // Repo ids are validated ASCII, at most MaxRepoIdLength characters.
            var length = Encoding.ASCII.GetBytes(id, buffer);
            buffer[length] = (byte)'\n';
            hash.Append(buffer[..(length + 1)]);
        }

        return hash.Finish()[..DigestSize];
    }

    public static bool SameDigest(byte[]? a, byte[]? b) =>
        a is { Length: DigestSize } && b is { Length: DigestSize } && a.AsSpan().SequenceEqual(b);
}
