using PeerMesh.Mesh.Security;
using NSec.Cryptography;

namespace PeerMesh.Mesh.Identity;

/// <summary>
/// The node's Ed25519 key pair, kept in <c>.git/peermesh/node.key</c> (owner-only), and the
/// node id derived from the public key: the first 16 bytes of SHA-256(public key), as hex.
/// </summary>
public sealed class NodeIdentity : IDisposable
{
    public const string KeyFileName = "node.key";
    private static readonly SignatureAlgorithm s_algorithm = SignatureAlgorithm.Ed25519;

    private readonly Key _key;

    private NodeIdentity(Key key)
    {
        _key = key;
        PublicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        Id = IdFromPublicKey(PublicKey);
    }

    public string Id { get; }

    public byte[] PublicKey { get; }

    public static string IdFromPublicKey(ReadOnlySpan<byte> publicKey) =>
        Convert.ToHexStringLower(Sha256Digest.Of(publicKey)[..16]);

    /// <summary>Loads the key from <paramref name="directory"/>, creating it on first use.</summary>
    public static NodeIdentity LoadOrCreate(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, KeyFileName);
        var creation = new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
        if (File.Exists(path))
        {
            var blob = File.ReadAllBytes(path);
            if (Key.TryImport(s_algorithm, blob, KeyBlobFormat.RawPrivateKey, out var existing, creation) && existing is not null)
            {
                return new NodeIdentity(existing);
            }

            throw new InvalidDataException($"the node key {path} is not a valid Ed25519 private key; move it away to create a new identity");
        }

        // From a seed of libsodium's (Key.Create draws it through OpenSSL, which the node does not load otherwise).
        var seed = SecureRandom.Bytes(32);
        var key = Key.Import(s_algorithm, seed, KeyBlobFormat.RawPrivateKey, creation);
        Array.Clear(seed);
        var tmp = path + ".tmp";
        using (var stream = new FileStream(tmp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            stream.Write(key.Export(KeyBlobFormat.RawPrivateKey));
        }

        File.Move(tmp, path, overwrite: true);
        return new NodeIdentity(key);
    }

    public byte[] Sign(ReadOnlySpan<byte> data) => s_algorithm.Sign(_key, data);

    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        NSec.Cryptography.PublicKey.TryImport(s_algorithm, publicKey, KeyBlobFormat.RawPublicKey, out var key)
        && key is not null
        && s_algorithm.Verify(key, data, signature);

    public void Dispose() => _key.Dispose();
}
