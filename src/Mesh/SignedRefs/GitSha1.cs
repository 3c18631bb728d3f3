using System.Buffers.Binary;
using System.Numerics;

namespace PeerMesh.Mesh.SignedRefs;

/// <summary>
/// SHA-1 (FIPS 180-4), written out for git's object naming of small statements: the framework's SHA-1 goes through
/// OpenSSL, which would map libcrypto and libssl (about 6 MiB) into every node for this one hash. Not for security:
/// a statement is trusted for its Ed25519 signature, never for its name.
/// </summary>
internal static class GitSha1
{
    private const int BlockSize = 64;

    /// <summary>The 20-byte SHA-1 of <paramref name="first"/> followed by <paramref name="second"/>.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        // The message, 0x80, zeros, and its length in bits (big-endian) ending the last block.
        var length = first.Length + second.Length;
        var message = new byte[((length + 8) / BlockSize + 1) * BlockSize];
        first.CopyTo(message);
        second.CopyTo(message.AsSpan(first.Length));
        message[length] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(message.Length - 8), (ulong)length * 8);

        Span<uint> state = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
        for (var offset = 0; offset < message.Length; offset += BlockSize)
        {
            Compress(state, message.AsSpan(offset, BlockSize));
        }

        var digest = new byte[20];
        for (var i = 0; i < state.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(i * 4), state[i]);
        }

        return digest;
    }

    private static void Compress(Span<uint> state, ReadOnlySpan<byte> block)
    {
        Span<uint> w = stackalloc uint[80];
        for (var t = 0; t < 16; t++)
        {
            w[t] = BinaryPrimitives.ReadUInt32BigEndian(block[(t * 4)..]);
        }

        for (var t = 16; t < 80; t++)
        {
            w[t] = BitOperations.RotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
        }

        uint a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];
        for (var t = 0; t < 80; t++)
        {
            var (f, k) = t switch
            {
                < 20 => ((b & c) | (~b & d), 0x5A827999u),
                < 40 => (b ^ c ^ d, 0x6ED9EBA1u),
                < 60 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDCu),
                _ => (b ^ c ^ d, 0xCA62C1D6u),
            };
            var temp = BitOperations.RotateLeft(a, 5) + f + e + k + w[t];
            e = d;
            d = c;
            c = BitOperations.RotateLeft(b, 30);
            b = a;
            a = temp;
        }

        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
    }
}
