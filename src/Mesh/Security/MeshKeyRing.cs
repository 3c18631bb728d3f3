using System.Security.Cryptography;
using System.Text;

namespace PeerMesh.Mesh.Security;

/// <summary>
/// AES-GCM keys derived from the configured mesh key secrets by HKDF-SHA256 (salt fixed, info = mesh id).
/// The first key seals; every key is tried when opening, so a rotation can accept old and new at once.
/// </summary>
internal sealed class MeshKeyRing : IDisposable
{
    public const int NonceSize = 12;
    public const int TagSize = 16;
    private static readonly byte[] s_salt = Encoding.ASCII.GetBytes("peermesh/mesh-key/v1");

    private readonly AesGcm[] _keys;

    public MeshKeyRing(IReadOnlyList<byte[]> secrets, string meshId)
    {
        if (secrets.Count == 0)
        {
            throw new ArgumentException("at least one mesh key is required", nameof(secrets));
        }

        var info = Encoding.UTF8.GetBytes(meshId);
        _keys = new AesGcm[secrets.Count];
        for (var i = 0; i < secrets.Count; i++)
        {
            var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, secrets[i], 32, s_salt, info);
            _keys[i] = new AesGcm(key, TagSize);
        }
    }

    public static int Overhead => NonceSize + TagSize;

    /// <summary>Writes nonce | ciphertext | tag of <paramref name="plaintext"/> into <paramref name="destination"/> (length plaintext + Overhead).</summary>
    public void Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> destination)
    {
        var nonce = destination[..NonceSize];
        RandomNumberGenerator.Fill(nonce);
        var cipher = destination.Slice(NonceSize, plaintext.Length);
        var tag = destination.Slice(NonceSize + plaintext.Length, TagSize);
        _keys[0].Encrypt(nonce, plaintext, cipher, tag, associatedData);
    }

    /// <summary>Opens nonce | ciphertext | tag with any configured key. False when no key authenticates it.</summary>
    public bool TryOpen(ReadOnlySpan<byte> sealedData, ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
        if (sealedData.Length < Overhead || plaintext.Length != sealedData.Length - Overhead)
        {
            return false;
        }

        var nonce = sealedData[..NonceSize];
        var cipher = sealedData[NonceSize..^TagSize];
        var tag = sealedData[^TagSize..];
        foreach (var key in _keys)
        {
            try
            {
                key.Decrypt(nonce, cipher, tag, plaintext, associatedData);
                return true;
            }
            catch (AuthenticationTagMismatchException)
            {
                // Try the next key (rotation); none matching is a key mismatch.
            }
        }

        return false;
    }

    public void Dispose()
    {
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }
}
