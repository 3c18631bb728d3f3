using CsCheck;
using MessagePack;
using PeerMesh.Mesh.Wire;
using Xunit;

namespace PeerMesh.Mesh.Tests.Wire;

/// <summary>
/// The hand-written gossip format against its specification: MessagePack-CSharp's own formatters for the attributes on
/// the message classes (what nodes of earlier versions send, and what signatures were made over).
/// </summary>
public sealed class MeshWireFormatTests
{
    private static readonly MessagePackSerializerOptions s_library =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    private static readonly Gen<string?> s_text = Gen.OneOf(Gen.Const((string?)null), Gen.String[0, 40].Select(s => (string?)s));
    private static readonly Gen<byte[]?> s_bytes = Gen.OneOf(Gen.Const((byte[]?)null), Gen.Byte.Array[0, 300].Select(b => (byte[]?)b));
    private static readonly Gen<long> s_long = Gen.OneOf(Gen.Long, Gen.Long[-200, 200], Gen.Const(long.MaxValue), Gen.Const(long.MinValue));
    private static readonly Gen<int> s_int = Gen.OneOf(Gen.Int, Gen.Int[-200, 70_000]);

    private static readonly Gen<WireRepo?> s_repo = Gen.Frequency(
        (1, Gen.Const((WireRepo?)null)),
        (6, Gen.Select(s_text, s_text, s_text, s_text, s_long).Select((id, name, path, digest, version) =>
            (WireRepo?)new WireRepo { RepoId = id!, Name = name!, Path = path!, RefsDigest = digest!, RefsVersion = version })));

    private static readonly Gen<MemberUpdate?> s_update = Gen.Frequency(
        (1, Gen.Const((MemberUpdate?)null)),
        (8, Gen.Select(
                Gen.Select(Gen.Byte[0, 5], s_text, s_long, s_text, s_text, s_bytes, s_int, s_int),
                Gen.Select(Gen.OneOf(Gen.Const((WireRepo?[]?)null), s_repo.Array[0, 4].Select(r => (WireRepo?[]?)r)), s_bytes, s_bytes, s_bytes, s_long, s_int, s_bytes))
            .Select((a, b) => (MemberUpdate?)new MemberUpdate
            {
                Kind = (UpdateKind)a.Item1,
                NodeId = a.Item2!,
                Incarnation = a.Item3,
                From = a.Item4,
                Name = a.Item5,
                Address = a.Item6,
                Port = a.Item7,
                GitPort = a.Item8,
                Repos = b.Item1!,
                PublicKey = b.Item2,
                Signature = b.Item3,
                ObservedAddress = b.Item4,
                RepoSetVersion = b.Item5,
                RepoCount = b.Item6,
                RepoSetDigest = b.Item7,
            })));

    private static readonly Gen<MemberUpdate[]?> s_updates =
        Gen.OneOf(Gen.Const((MemberUpdate[]?)null), s_update.Array[0, 4].Select(u => (MemberUpdate[]?)u!));

    private static readonly Gen<MeshMessage> s_message = Gen.Select(Gen.Int[0, 6], s_updates, s_updates, s_long, s_text, s_bytes, s_bytes, s_int)
        .Select((kind, updates, more, seq, text, bytes, other, number) => (MeshMessage)(kind switch
        {
            0 => new PingMessage { Updates = updates, Seq = seq, TargetId = text!, Nonce = bytes },
            1 => new AckMessage { Updates = updates, Seq = seq, Proof = bytes, SeenAddress = other, SeenPort = number },
            2 => new PingReqMessage { Updates = updates, Seq = seq, TargetId = text!, TargetAddress = bytes!, TargetPort = number },
            3 => new GossipMessage { Updates = updates },
            4 => new PushPullMessage { Updates = updates, ExchangeId = seq, IsReply = number % 2 == 0, Part = number, PartCount = number / 3, States = more },
            5 => new RepoRequestMessage { Updates = updates },
            _ => new RepoListMessage { Updates = updates, Statements = more },
        }));

    private static byte[] Library(MeshMessage message) =>
        MessagePackSerializer.Serialize(message, s_library, TestContext.Current.CancellationToken);

    [Fact]
    public void Serialize_AnyMessage_SameBytesAsTheLibrary()
    {
        s_message.Sample(
            message => Assert.Equal(Library(message), MeshWireFormat.Serialize(message)),
            iter: 2000);
    }

    [Fact]
    public void Serialize_AnyUpdate_SameBytesAsTheLibrary()
    {
        // Signatures are made over these bytes: a node of an earlier version must verify them.
        s_update.Where(u => u is not null).Sample(
            update => Assert.Equal(MessagePackSerializer.Serialize(update, s_library), MeshWireFormat.Serialize(update!)),
            iter: 2000);
    }

    [Fact]
    public void Deserialize_WhatTheLibraryWrote_ReadsBackToTheSameMessage()
    {
        s_message.Sample(
            message =>
            {
                var bytes = Library(message);
                var read = MeshWireFormat.Deserialize(bytes, out var consumed);
                Assert.Equal(bytes.Length, consumed);
                Assert.Equal(message.GetType(), read!.GetType());
                Assert.Equal(bytes, Library(read));
            },
            iter: 2000);
    }

    [Fact]
    public void Deserialize_FieldsOfALaterVersion_SkippedAsTheLibraryDoes()
    {
        // A ping with two keys beyond this version's (one a nested array) and an update with one.
        byte[] bytes =
        [
            0x92, 0x00, 0x96,
            0x91, 0xDC, 0x00, 0x10, 0x01, 0xA2, (byte)'i', (byte)'d', 0x07, 0xC0, 0xC0, 0xC0, 0x00, 0x00, 0xC0, 0xC0, 0xC0, 0xC0, 0x00, 0x00, 0xC0, 0x2A,
            0x05, 0xA1, (byte)'t', 0xC0, 0x92, 0x91, 0x01, 0x02, 0xA1, (byte)'x',
        ];

        var ours = Assert.IsType<PingMessage>(MeshWireFormat.Deserialize(bytes, out var consumed));
        var library = Assert.IsType<PingMessage>(MessagePackSerializer.Deserialize<MeshMessage>(bytes, s_library, TestContext.Current.CancellationToken));

        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(Library(library), Library(ours));
        Assert.Equal(5, ours.Seq);
        Assert.Equal("id", ours.Updates![0].NodeId);
        Assert.Equal(UpdateKind.Suspect, ours.Updates[0].Kind);
    }
}
