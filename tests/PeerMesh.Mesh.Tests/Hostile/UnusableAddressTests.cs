using System.Net;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Wire;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Mesh.Tests.Hostile;

/// <summary>HOSTILE-INPUTS 13 on <see cref="MeshNode"/>: announced addresses nobody could use are filtered.</summary>
public sealed class UnusableAddressTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "peermesh-addr-" + Guid.NewGuid().ToString("N"));
    private readonly NodeIdentity _peer;

    public UnusableAddressTests() => _peer = NodeIdentity.LoadOrCreate(_root);

    public static TheoryData<string, byte[]?, int> Unusable => new()
    {
        { "IPv4 multicast", [224, 0, 0, 251], 7946 },
        { "IPv4 multicast top", [239, 255, 255, 250], 7946 },
        { "broadcast", [255, 255, 255, 255], 7946 },
        { "IPv6 multicast", IPAddress.Parse("ff02::fb").GetAddressBytes(), 7946 },
        { "port 0", [10, 1, 2, 3], 0 },
        { "port above 65535", [10, 1, 2, 3], 70000 },
        { "negative port", [10, 1, 2, 3], -1 },
        { "3 bytes", [10, 1, 2], 7946 },
        { "5 bytes", [10, 1, 2, 3, 4], 7946 },
        { "empty", [], 7946 },
        { "missing", null, 7946 },
        { "unspecified with port 0", [0, 0, 0, 0], 0 },
    };

    [Theory]
    [MemberData(nameof(Unusable))]
    public async Task Alive_UnusableAddress_DroppedAsInvalidAddress(string description, byte[]? address, int port)
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var raw = cluster.Network.CreateTransport();

        raw.Send(node.LocalEndPoint, Encode(Alive(address, port)));
        cluster.Run(TimeSpan.FromMilliseconds(5));

        Assert.True(node.Current.Members.IsEmpty, description);
        Assert.Equal(1, node.Statistics.DropsFor(DropReason.InvalidAddress));
    }

    [Theory]
    [InlineData(new byte[] { 127, 0, 0, 1 })]
    [InlineData(new byte[] { 0, 0, 0, 0 })]
    public async Task Alive_LoopbackOrUnspecifiedFromARemoteHost_ReplacedBySource(byte[] address)
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var raw = cluster.Network.CreateTransport();
        ChallengeResponder.Attach(cluster.Network, _peer, new IPEndPoint(raw.LocalEndPoint.Address, 7000));

        raw.Send(node.LocalEndPoint, Encode(Alive(address, 7000)));
        cluster.Run(TimeSpan.FromMilliseconds(20));

        var member = Assert.Single(node.Current.Members);
        Assert.Equal(new IPEndPoint(raw.LocalEndPoint.Address, 7000), member.GossipEndPoint);
    }

    [Fact]
    public async Task PingReq_MulticastTarget_NotProbed()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var raw = cluster.Network.CreateTransport();
        var before = node.Statistics.DatagramsOut;

        raw.Send(node.LocalEndPoint, Encode(new PingReqMessage { Seq = 1, TargetId = _peer.Id, TargetAddress = [224, 0, 0, 1], TargetPort = 7946 }));
        cluster.Run(TimeSpan.FromMilliseconds(5));

        Assert.Equal(1, node.Statistics.DropsFor(DropReason.Invalid));
        Assert.Equal(before, node.Statistics.DatagramsOut);
    }

    public void Dispose()
    {
        _peer.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private MemberUpdate Alive(byte[]? address, int port) => HandMadeGossip.SignedAlive(_peer, address, port, 3, "peer");

    private byte[] Encode(MemberUpdate alive) => Encode(new GossipMessage { Updates = [alive] });

    private byte[] Encode(MeshMessage message) => HandMadeGossip.Encode(_peer.Id, message);
}
