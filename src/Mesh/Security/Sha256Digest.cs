using System.Text;
using NSec.Cryptography;

namespace PeerMesh.Mesh.Security;

/// <summary>
/// SHA-256 through libsodium, which the node loads anyway for its Ed25519 signatures. The framework's SHA-256 goes
/// through OpenSSL on Linux: for a few hashes that maps libcrypto and System.Security.Cryptography, about 6 MiB of
/// every node's RSS.
/// </summary>
public static class Sha256Digest
{
    /// <summary>The hash of <paramref name="data"/> (32 bytes).</summary>
    public static byte[] Of(ReadOnlySpan<byte> data) => HashAlgorithm.Sha256.Hash(data);

    /// <summary>The hash of <paramref name="text"/>'s UTF-8 bytes.</summary>
    public static byte[] Of(string text) => Of(Encoding.UTF8.GetBytes(text));

    /// <summary>A hash fed piece by piece.</summary>
    public static Sha256Builder Begin() => new();

    /// <summary>
    /// The hash, as lower-case hex, of named targets (refs and their commits, branches of a statement) in ordinal
    /// order of name, each as "name\0target\n": equal for equal sets, whatever order they come in.
    /// </summary>
    public static string OfRefs(IEnumerable<(string Name, string Target)> refs)
    {
        var sha = Begin();
        foreach (var (name, target) in refs.OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            sha.Append(Encoding.UTF8.GetBytes(name));
            sha.Append((byte[])[0]);
            sha.Append(Encoding.UTF8.GetBytes(target));
            sha.Append((byte[])[(byte)'\n']);
        }

        return Convert.ToHexStringLower(sha.Finish());
    }
}

/// <summary>SHA-256 over data appended piece by piece (<see cref="Sha256Digest.Begin"/>).</summary>
public sealed class Sha256Builder
{
    private IncrementalHash _state;

    internal Sha256Builder() => IncrementalHash.Initialize(HashAlgorithm.Sha256, out _state);

    /// <summary>Feeds <paramref name="data"/>.</summary>
    public void Append(ReadOnlySpan<byte> data) => IncrementalHash.Update(ref _state, data);

    /// <summary>The hash of everything appended (the builder cannot be used afterwards).</summary>
    public byte[] Finish() => IncrementalHash.Finalize(ref _state);
}
