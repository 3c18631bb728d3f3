using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.Wire;
using Xunit;

namespace PeerMesh.Mesh.Tests.Wire;

public sealed class MeshCodecTests
{
    private const string SenderId = "00112233445566778899aabbccddeeff";
    private const string ReceiverId = "ffeeddccbbaa99887766554433221100";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private MeshCodec Codec(string localId, string meshId = "peermesh") =>
        new(meshId, localId, null, TimeSpan.FromSeconds(60), _time, 1400);

    [Fact]
    public void Decode_Ping_RoundTrips()
    {
        var datagram = Codec(SenderId).Encode(new PingMessage { Seq = 42, TargetId = ReceiverId });

        var result = Codec(ReceiverId).Decode(datagram);

        Assert.Null(result.DropReason);
        Assert.Equal(SenderId, result.SenderId);
        var ping = Assert.IsType<PingMessage>(result.Message);
        Assert.Equal(42, ping.Seq);
        Assert.Equal(ReceiverId, ping.TargetId);
    }

    [Fact]
    public void Decode_PingReqWithUpdates_RoundTrips()
    {
        var message = new PingReqMessage
        {
            Seq = 7,
            TargetId = ReceiverId,
            TargetAddress = [10, 0, 0, 1],
            TargetPort = 9419,
            Updates =
            [
                new MemberUpdate
                {
                    Kind = UpdateKind.Alive,
                    NodeId = SenderId,
                    Incarnation = 3,
                    Name = "alice",
                    Address = [127, 0, 0, 1],
                    Port = 9419,
                    GitPort = 9418,
                    RepoSetVersion = 11,
                    RepoCount = 256,
                    RepoSetDigest = RepoSetSummary.Digest(["abc"]),
                },
                new MemberUpdate
                {
                    Kind = UpdateKind.Repo,
                    NodeId = SenderId,
                    Incarnation = 3,
                    RepoSetVersion = 11,
                    Repos = [new WireRepo { RepoId = "abc", Name = "proj", Path = "/proj", RefsDigest = "00ff", RefsVersion = 9 }],
                },
            ],
        };

        var result = Codec(ReceiverId).Decode(Codec(SenderId).Encode(message));

        var decoded = Assert.IsType<PingReqMessage>(result.Message);
        Assert.Equal(new byte[] { 10, 0, 0, 1 }, decoded.TargetAddress);
        Assert.Equal(9419, decoded.TargetPort);
        Assert.Equal(2, decoded.Updates!.Length);
        var alive = decoded.Updates[0];
        Assert.Equal("alice", alive.Name);
        Assert.Equal((11L, 256), (alive.RepoSetVersion, alive.RepoCount));
        Assert.Equal(RepoSetSummary.Digest(["abc"]), alive.RepoSetDigest);
        Assert.Null(alive.Repos);
        Assert.Equal(11, decoded.Updates[1].RepoSetVersion);
        Assert.Equal(9, Assert.Single(decoded.Updates[1].Repos!).RefsVersion);
    }

    [Fact]
    public void Decode_PushPullAndAckAndGossip_RoundTrip()
    {
        var sender = Codec(SenderId);
        var receiver = Codec(ReceiverId);

        var pushPull = Assert.IsType<PushPullMessage>(receiver.Decode(sender.Encode(new PushPullMessage { ExchangeId = 5, IsReply = true, Part = 1, PartCount = 2, States = [] })).Message);
        var ack = Assert.IsType<AckMessage>(receiver.Decode(sender.Encode(new AckMessage { Seq = 8 })).Message);
        Assert.IsType<GossipMessage>(receiver.Decode(sender.Encode(new GossipMessage())).Message);
        Assert.IsType<RepoRequestMessage>(receiver.Decode(sender.Encode(new RepoRequestMessage())).Message);
        var removal = new MemberUpdate { Kind = UpdateKind.RepoRemoved, NodeId = SenderId, RepoSetVersion = 12, Repos = [new WireRepo { RepoId = "abc", RefsVersion = 9 }] };
        var list = Assert.IsType<RepoListMessage>(receiver.Decode(sender.Encode(new RepoListMessage { Statements = [removal] })).Message);
        Assert.Equal((UpdateKind.RepoRemoved, 12L, "abc"), (list.Statements![0].Kind, list.Statements[0].RepoSetVersion, list.Statements[0].Repos![0].RepoId));

        Assert.Equal((5, true, 1, 2), (pushPull.ExchangeId, pushPull.IsReply, pushPull.Part, pushPull.PartCount));
        Assert.Equal(8, ack.Seq);
    }

    [Fact]
    public void Decode_SignedClaim_RoundTripsWithClaimantKeyAndSignature()
    {
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var signature = Enumerable.Range(0, 64).Select(i => (byte)(255 - i)).ToArray();
        var claim = new MemberUpdate { Kind = UpdateKind.Suspect, NodeId = ReceiverId, Incarnation = long.MaxValue, From = SenderId, PublicKey = key, Signature = signature };

        var result = Codec(ReceiverId).Decode(Codec(SenderId).Encode(new GossipMessage { Updates = [claim] }));

        var decoded = Assert.Single(Assert.IsType<GossipMessage>(result.Message).Updates!);
        Assert.Equal((UpdateKind.Suspect, ReceiverId, long.MaxValue, SenderId), (decoded.Kind, decoded.NodeId, decoded.Incarnation, decoded.From));
        Assert.Equal(key, decoded.PublicKey);
        Assert.Equal(signature, decoded.Signature);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(MeshCodec.HeaderSize)]
    public void Decode_EmptyOrHeaderOnly_Malformed(int length)
    {
        var datagram = Codec(SenderId).Encode(new AckMessage { Seq = 1 })[..length];

        Assert.Equal(DropReason.Malformed, Codec(ReceiverId).Decode(datagram).DropReason);
    }

    [Fact]
    public void Decode_WrongMagic_Malformed()
    {
        var datagram = Codec(SenderId).Encode(new AckMessage { Seq = 1 });
        datagram[0] = (byte)'X';

        Assert.Equal(DropReason.Malformed, Codec(ReceiverId).Decode(datagram).DropReason);
    }

    [Theory]
    [InlineData(1)] // repositories in the alive: no longer read
    [InlineData(MeshCodec.FormatVersion + 1)]
    public void Decode_OtherFormatVersion_UnknownVersion(byte version)
    {
        var datagram = Codec(SenderId).Encode(new AckMessage { Seq = 1 });
        datagram[2] = version;

        Assert.Equal(DropReason.UnknownVersion, Codec(ReceiverId).Decode(datagram).DropReason);
    }

    [Fact]
    public void Decode_OtherMeshId_WrongMesh()
    {
        var datagram = Codec(SenderId, meshId: "other").Encode(new AckMessage { Seq = 1 });

        Assert.Equal(DropReason.WrongMesh, Codec(ReceiverId).Decode(datagram).DropReason);
    }

    [Fact]
    public void Decode_AboveLimit_TooLargeBeforeDecoding()
    {
        var datagram = new byte[1401];

        Assert.Equal(DropReason.TooLarge, Codec(ReceiverId).Decode(datagram).DropReason);
    }

    [Fact]
    public void Decode_OwnSenderId_OwnEcho()
    {
        var datagram = Codec(ReceiverId).Encode(new AckMessage { Seq = 1 });

        Assert.Equal(DropReason.OwnEcho, Codec(ReceiverId).Decode(datagram).DropReason);
    }

    [Fact]
    public void Decode_TruncatedPayload_Malformed()
    {
        var datagram = Codec(SenderId).Encode(new PingMessage { Seq = 1, TargetId = ReceiverId });

        Assert.Equal(DropReason.Malformed, Codec(ReceiverId).Decode(datagram.AsMemory(0, datagram.Length - 3)).DropReason);
    }

    [Fact]
    public void Decode_TrailingBytes_Malformed()
    {
        var datagram = Codec(SenderId).Encode(new AckMessage { Seq = 1 });

        Assert.Equal(DropReason.Malformed, Codec(ReceiverId).Decode(datagram.Append((byte)0xC0).ToArray()).DropReason);
    }

    [Fact]
    public void Decode_HugeArrayHeaderClaim_MalformedWithoutAllocating()
    {
        // Union [4, [updates: array32 claiming 2^31 elements ...]]
        var header = Codec(SenderId).Encode(new GossipMessage())[..MeshCodec.HeaderSize];
        byte[] payload = [0x92, 0x04, 0x91, 0xDD, 0x7F, 0xFF, 0xFF, 0xFF];

        Assert.Equal(DropReason.Malformed, Codec(ReceiverId).Decode(header.Concat(payload).ToArray()).DropReason);
    }

    [Fact]
    public void Decode_RandomGarbageAndMutations_NeverThrowAlwaysCounted()
    {
        var random = new Random(1234);
        var receiver = Codec(ReceiverId);
        var valid = Codec(SenderId).Encode(new PingReqMessage
        {
            Seq = 1,
            TargetId = ReceiverId,
            TargetAddress = [1, 2, 3, 4],
            TargetPort = 1,
            Updates =
            [
                new MemberUpdate { NodeId = SenderId, Name = "x", RepoSetVersion = 3, RepoCount = 2, RepoSetDigest = new byte[16] },
                new MemberUpdate { Kind = UpdateKind.Repo, NodeId = SenderId, RepoSetVersion = 3, Repos = [new WireRepo { RepoId = "r", Path = "/r", RefsVersion = 4 }] },
                new MemberUpdate { Kind = UpdateKind.Dead, NodeId = ReceiverId, Incarnation = long.MaxValue, From = SenderId, PublicKey = new byte[32], Signature = new byte[64] },
            ],
        });
        for (var i = 0; i < 100_000; i++)
        {
            byte[] datagram;
            if (i % 2 == 0)
            {
                datagram = new byte[random.Next(0, 1500)];
                random.NextBytes(datagram);
                if (datagram.Length > 12)
                {
                    valid.AsSpan(0, 12).CopyTo(datagram);
                }
            }
            else
            {
                datagram = (byte[])valid.Clone();
                var flips = random.Next(1, 6);
                for (var f = 0; f < flips; f++)
                {
                    datagram[random.Next(MeshCodec.HeaderSize, datagram.Length)] = (byte)random.Next(256);
                }

                datagram = datagram[..random.Next(MeshCodec.HeaderSize, datagram.Length + 1)];
            }

            var result = receiver.Decode(datagram);

            Assert.True(result.DropReason is not null || result.Message is not null);
        }
    }
}
