using System.Buffers.Binary;
using System.Text;
using MessagePack;
using PeerMesh.Mesh.Security;

namespace PeerMesh.Mesh.Wire;

/// <summary>
/// The envelope: magic "PM", format version, flags, 8-byte hash of the mesh id, 16-byte sender id, then
/// either the MessagePack payload or (sealed) nonce | AES-GCM(timestamp ms | payload) | tag, with the
/// header and the mesh id as associated data. Decoding never throws: every failure is a drop reason.
/// </summary>
internal sealed class MeshCodec
{
    /// <summary>2: alives carry a repository-set summary instead of the repositories, which travel as their own statements.</summary>
    public const byte FormatVersion = 2;
    public const int HeaderSize = 28;
    public const byte FlagSealed = 1;
    private const byte Magic0 = (byte)'P';
    private const byte Magic1 = (byte)'M';
    private const int TimestampSize = 8;

    private readonly byte[] _meshHash;
    private readonly byte[] _meshIdBytes;
    private readonly byte[] _localId;
    private readonly MeshKeyRing? _keys;
    private readonly ReplayGuard _replay;
    private readonly TimeProvider _time;

    public MeshCodec(string meshId, string localId, MeshKeyRing? keys, TimeSpan replayTolerance, TimeProvider time, int maxDatagramBytes)
    {
        _meshIdBytes = Encoding.UTF8.GetBytes(meshId);
        _meshHash = MeshHash(meshId);
        _localId = Convert.FromHexString(localId);
        _keys = keys;
        _replay = new ReplayGuard(replayTolerance);
        _time = time;
        MaxDatagramBytes = maxDatagramBytes;
    }

    public int MaxDatagramBytes { get; }

    public bool IsSealed => _keys is not null;

    /// <summary>Bytes the envelope adds around a payload.</summary>
    public int Overhead => HeaderSize + (_keys is null ? 0 : TimestampSize + MeshKeyRing.Overhead);

    /// <summary>Largest payload that still fits one datagram.</summary>
    public int MaxPayloadBytes => MaxDatagramBytes - Overhead;

    public static byte[] MeshHash(string meshId) => Sha256Digest.Of(meshId)[..8];

    public static byte[] SerializePayload(MeshMessage message) => MeshWireFormat.Serialize(message);

    public static int SizeOf(MemberUpdate update) => MeshWireFormat.Serialize(update).Length;

    /// <summary>Wraps an already serialized payload into a datagram.</summary>
    public byte[] Seal(ReadOnlySpan<byte> payload)
    {
        var datagram = new byte[payload.Length + Overhead];
        WriteHeader(datagram, _keys is null ? (byte)0 : FlagSealed);
        if (_keys is null)
        {
            payload.CopyTo(datagram.AsSpan(HeaderSize));
            return datagram;
        }

        var plain = new byte[TimestampSize + payload.Length];
        BinaryPrimitives.WriteInt64BigEndian(plain, _time.GetUtcNow().ToUnixTimeMilliseconds());
        payload.CopyTo(plain.AsSpan(TimestampSize));
        _keys.Seal(plain, AssociatedData(datagram.AsSpan(0, HeaderSize)), datagram.AsSpan(HeaderSize));
        return datagram;
    }

    public byte[] Encode(MeshMessage message) => Seal(SerializePayload(message));

    public DecodeResult Decode(ReadOnlyMemory<byte> datagram)
    {
        var span = datagram.Span;
        if (span.Length > MaxDatagramBytes)
        {
            return DecodeResult.Drop(DropReason.TooLarge);
        }

        if (span.Length <= HeaderSize || span[0] != Magic0 || span[1] != Magic1)
        {
            return DecodeResult.Drop(DropReason.Malformed);
        }

        if (span[2] != FormatVersion)
        {
            return DecodeResult.Drop(DropReason.UnknownVersion);
        }

        if (!span.Slice(4, 8).SequenceEqual(_meshHash))
        {
            return DecodeResult.Drop(DropReason.WrongMesh);
        }

        var isSealed = (span[3] & FlagSealed) != 0;
        if (isSealed != (_keys is not null))
        {
            return DecodeResult.Drop(DropReason.KeyMismatch);
        }

        var sender = span.Slice(12, 16);
        ReadOnlyMemory<byte> payload;
        if (_keys is null)
        {
            payload = datagram[HeaderSize..];
        }
        else
        {
            var sealedPart = span[HeaderSize..];
            if (sealedPart.Length < MeshKeyRing.Overhead + TimestampSize + 1)
            {
                return DecodeResult.Drop(DropReason.Malformed);
            }

            var plain = new byte[sealedPart.Length - MeshKeyRing.Overhead];
            if (!_keys.TryOpen(sealedPart, AssociatedData(span[..HeaderSize]), plain))
            {
                return DecodeResult.Drop(DropReason.KeyMismatch);
            }

            var timestamp = BinaryPrimitives.ReadInt64BigEndian(plain);
            if (!_replay.TryAccept(timestamp, sealedPart[..MeshKeyRing.NonceSize], _time.GetUtcNow().ToUnixTimeMilliseconds()))
            {
                return DecodeResult.Drop(DropReason.Stale);
            }

            payload = plain.AsMemory(TimestampSize);
        }

        if (sender.SequenceEqual(_localId))
        {
            return DecodeResult.Drop(DropReason.OwnEcho);
        }

        try
        {
            var message = MeshWireFormat.Deserialize(payload, out var read);
            if (message is null || read != payload.Length)
            {
                return DecodeResult.Drop(DropReason.Malformed);
            }

            return new DecodeResult(message, Convert.ToHexStringLower(sender), null);
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or EndOfStreamException or InvalidOperationException or OverflowException or ArgumentException or FormatException)
        {
            return DecodeResult.Drop(DropReason.Malformed);
        }
    }

    private void WriteHeader(Span<byte> datagram, byte flags)
    {
        datagram[0] = Magic0;
        datagram[1] = Magic1;
        datagram[2] = FormatVersion;
        datagram[3] = flags;
        _meshHash.CopyTo(datagram[4..]);
        _localId.CopyTo(datagram[12..]);
    }

    private byte[] AssociatedData(ReadOnlySpan<byte> header)
    {
        var ad = new byte[header.Length + _meshIdBytes.Length];
        header.CopyTo(ad);
        _meshIdBytes.CopyTo(ad, header.Length);
        return ad;
    }
}
