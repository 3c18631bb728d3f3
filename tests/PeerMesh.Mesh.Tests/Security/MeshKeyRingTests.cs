using System.Text;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.Security;
using PeerMesh.Mesh.Wire;
using Xunit;

namespace PeerMesh.Mesh.Tests.Security;

/// <summary>Sealing through the codec: AES-GCM under HKDF-derived keys, mesh id bound, replay bounded.</summary>
public sealed class MeshKeyRingTests : IDisposable
{
    private const string SenderId = "00112233445566778899aabbccddeeff";
    private const string ReceiverId = "ffeeddccbbaa99887766554433221100";
    private static readonly byte[] s_keyA = Encoding.ASCII.GetBytes("correct horse battery staple A");
    private static readonly byte[] s_keyB = Encoding.ASCII.GetBytes("correct horse battery staple B");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<MeshKeyRing> _rings = [];

    public void Dispose()
    {
        foreach (var ring in _rings)
        {
            ring.Dispose();
        }
    }

    private MeshCodec Codec(string localId, params byte[][] keys) =>
        new("peermesh", localId, keys.Length == 0 ? null : Ring(keys, "peermesh"), TimeSpan.FromSeconds(60), _time, 1400);

    /// <summary>A key ring disposed with the test (the codec does not own it: in the product the node does).</summary>
    private MeshKeyRing Ring(byte[][] keys, string meshId)
    {
        var ring = new MeshKeyRing(keys, meshId);
        _rings.Add(ring);
        return ring;
    }

    [Fact]
    public void Decode_SameKey_Opens()
    {
        var datagram = Codec(SenderId, s_keyA).Encode(new AckMessage { Seq = 77 });

        var result = Codec(ReceiverId, s_keyA).Decode(datagram);

        Assert.Equal(77, Assert.IsType<AckMessage>(result.Message).Seq);
    }

    [Fact]
    public void Seal_PayloadNotVisibleInClear()
    {
        var datagram = Codec(SenderId, s_keyA).Encode(new PingMessage { Seq = 1, TargetId = ReceiverId });

        Assert.DoesNotContain(ReceiverId, Encoding.ASCII.GetString(datagram), StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_WrongKey_KeyMismatch()
    {
        var datagram = Codec(SenderId, s_keyA).Encode(new AckMessage { Seq = 1 });

        Assert.Equal(DropReason.KeyMismatch, Codec(ReceiverId, s_keyB).Decode(datagram).DropReason);
    }

    [Fact]
    public void Decode_SealedWithoutKey_KeyMismatch()
    {
        var datagram = Codec(SenderId, s_keyA).Encode(new AckMessage { Seq = 1 });

        Assert.Equal(DropReason.KeyMismatch, Codec(ReceiverId).Decode(datagram).DropReason);
    }

    [Fact]
    public void Decode_UnsealedWithKey_KeyMismatch()
    {
        var datagram = Codec(SenderId).Encode(new AckMessage { Seq = 1 });

        Assert.Equal(DropReason.KeyMismatch, Codec(ReceiverId, s_keyA).Decode(datagram).DropReason);
    }

    [Theory]
    [InlineData(13)]
    [InlineData(MeshCodec.HeaderSize + 2)]
    [InlineData(-1)]
    public void Decode_TamperedByte_KeyMismatch(int index)
    {
        var datagram = Codec(SenderId, s_keyA).Encode(new AckMessage { Seq = 1 });
        datagram[index < 0 ? datagram.Length + index : index] ^= 0x01;

        Assert.Equal(DropReason.KeyMismatch, Codec(ReceiverId, s_keyA).Decode(datagram).DropReason);
    }

    [Fact]
    public void Decode_ReplayedDatagram_Stale()
    {
        var datagram = Codec(SenderId, s_keyA).Encode(new AckMessage { Seq = 1 });
        var receiver = Codec(ReceiverId, s_keyA);

        Assert.Null(receiver.Decode(datagram).DropReason);
        Assert.Equal(DropReason.Stale, receiver.Decode(datagram).DropReason);
    }

    [Fact]
    public void Decode_TimestampOutsideTolerance_Stale()
    {
        var datagram = Codec(SenderId, s_keyA).Encode(new AckMessage { Seq = 1 });
        _time.Advance(TimeSpan.FromSeconds(61));

        Assert.Equal(DropReason.Stale, Codec(ReceiverId, s_keyA).Decode(datagram).DropReason);
    }

    [Fact]
    public void Decode_Rotation_ReceiverWithNewAndOldAcceptsBoth()
    {
        var receiver = Codec(ReceiverId, s_keyB, s_keyA);

        Assert.Null(receiver.Decode(Codec(SenderId, s_keyA).Encode(new AckMessage { Seq = 1 })).DropReason);
        Assert.Null(receiver.Decode(Codec(SenderId, s_keyB).Encode(new AckMessage { Seq = 2 })).DropReason);
    }

    [Fact]
    public void Encode_Rotation_SealsWithFirstKey()
    {
        var datagram = Codec(SenderId, s_keyB, s_keyA).Encode(new AckMessage { Seq = 1 });

        Assert.Equal(DropReason.KeyMismatch, Codec(ReceiverId, s_keyA).Decode(datagram).DropReason);
        Assert.Null(Codec(ReceiverId, s_keyB).Decode(datagram).DropReason);
    }

    [Fact]
    public void Decode_OtherMeshIdSameKey_NotOpened()
    {
        var other = new MeshCodec("other", SenderId, Ring([s_keyA], "other"), TimeSpan.FromSeconds(60), _time, 1400);

        Assert.Equal(DropReason.WrongMesh, Codec(ReceiverId, s_keyA).Decode(other.Encode(new AckMessage())).DropReason);
    }

    [Fact]
    public void Read_ShortKeyFile_ClearError()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "short\n");

            var error = Assert.Throws<InvalidDataException>(() => MeshKeyFile.Read(path));
            Assert.Contains("too short", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_TrailingNewline_Ignored()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "0123456789abcdef0123\n");

            Assert.Equal(Encoding.ASCII.GetBytes("0123456789abcdef0123"), MeshKeyFile.Read(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
