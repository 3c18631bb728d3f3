using System.Buffers.Binary;
using System.Text;
using PeerMesh.Mesh.Identity;

namespace PeerMesh.Mesh.Tests.SignedRefs;

/// <summary>
/// Writes statement bytes field by field with no checks, so a test can build each malformed form a hostile relay could
/// serve, signed by a real key where the test wants the signature to hold.
/// </summary>
internal sealed class RawStatement
{
    public static readonly byte[] Magic = Encoding.ASCII.GetBytes("peermesh signed refs v1\0");

    public byte[] MagicBytes { get; set; } = Magic;

    public byte[] Key { get; set; } = new byte[32];

    public byte[] RepoId { get; set; } = Encoding.ASCII.GetBytes("repo-1");

    public int? RepoIdLength { get; set; }

    public byte[] AuthorName { get; set; } = Encoding.UTF8.GetBytes("alice");

    public long Sequence { get; set; } = 1_000;

    public long SignedAt { get; set; } = 999;

    public int? Count { get; set; }

    public List<(byte[] Name, byte[] Commit)> Branches { get; } = [];

    public byte[] Trailer { get; set; } = [];

    public RawStatement Branch(string name, string commitHex) => Branch(Encoding.UTF8.GetBytes(name), Convert.FromHexString(commitHex));

    public RawStatement Branch(byte[] name, byte[] commit)
    {
        Branches.Add((name, commit));
        return this;
    }

    public byte[] SignedPart()
    {
        using var stream = new MemoryStream();
        stream.Write(MagicBytes);
        stream.Write(Key);
        stream.WriteByte((byte)(RepoIdLength ?? RepoId.Length));
        stream.Write(RepoId);
        stream.WriteByte((byte)AuthorName.Length);
        stream.Write(AuthorName);
        var number = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(number, Sequence);
        stream.Write(number);
        BinaryPrimitives.WriteInt64BigEndian(number, SignedAt);
        stream.Write(number);
        BinaryPrimitives.WriteUInt16BigEndian(number, (ushort)(Count ?? Branches.Count));
        stream.Write(number, 0, 2);
        foreach (var (name, commit) in Branches)
        {
            stream.WriteByte((byte)name.Length);
            stream.Write(name);
            stream.Write(commit);
        }

        return stream.ToArray();
    }

    /// <summary>The whole statement signed by <paramref name="signer"/> (whose key it then carries), trailer last.</summary>
    public byte[] SignedBy(NodeIdentity signer)
    {
        Key = signer.PublicKey;
        var signed = SignedPart();
        return [.. signed, .. signer.Sign(signed), .. Trailer];
    }
}
