using System.Runtime.InteropServices;
using NSec.Cryptography;

namespace PeerMesh.Mesh.Security;

/// <summary>
/// Random bytes from libsodium (<c>randombytes_buf</c>: getrandom on Linux), which the node loads for Ed25519 anyway.
/// The framework's <c>RandomNumberGenerator</c> goes through OpenSSL on Linux, and so does NSec's <c>Key.Create</c>: for
/// a few nonces and one key that mapped libcrypto, libssl and System.Security.Cryptography, about 5 MiB of every
/// node's RSS.
/// </summary>
public static class SecureRandom
{
    static SecureRandom()
    {
        // NSec initialises libsodium when its algorithms are first used; this makes sure of it (sodium_init is idempotent).
        _ = SignatureAlgorithm.Ed25519;
    }

    /// <summary>Fills <paramref name="destination"/> with cryptographically secure random bytes.</summary>
    public static void Fill(Span<byte> destination) => RandomBytes(ref MemoryMarshal.GetReference(destination), (nuint)destination.Length);

    /// <summary><paramref name="count"/> cryptographically secure random bytes.</summary>
    public static byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        Fill(bytes);
        return bytes;
    }

    // DllImport, not LibraryImport: the arguments are blittable, and this assembly does not compile unsafe code.
    [DllImport("libsodium", EntryPoint = "randombytes_buf")]
    private static extern void RandomBytes(ref byte buffer, nuint size);
}
