using System.Net;
using System.Text;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Wire;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Mesh.Tests.Gossip;

/// <summary>HOSTILE-INPUTS for the gossip channel, through a raw attacker endpoint on the in-memory network.</summary>
public sealed class MeshNodeHostileTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "peermesh-hostile-" + Guid.NewGuid().ToString("N"));
    private readonly NodeIdentity _attacker;

    public MeshNodeHostileTests() => _attacker = NodeIdentity.LoadOrCreate(_root);

    [Fact]
    public async Task Receive_Garbage_CountedAndMembershipUnchanged()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var raw = cluster.Network.CreateTransport();

        raw.Send(node.LocalEndPoint, []);
        raw.Send(node.LocalEndPoint, [0x50]);
        raw.Send(node.LocalEndPoint, new byte[2000]);
        raw.Send(node.LocalEndPoint, Encoding.ASCII.GetBytes("PM\u0001\u0000 this is not a mesh datagram at all"));
        cluster.Run(TimeSpan.FromMilliseconds(5));

        Assert.Equal(4, node.Statistics.DatagramsIn);
        Assert.Equal(4, node.Statistics.TotalDrops);
        Assert.Equal(1, node.Statistics.DropsFor(DropReason.TooLarge));
        Assert.Empty(node.Current.Members);
    }

    [Fact]
    public async Task Join_DifferentMeshKeysInMemory_NeverAdmitted()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var a = await cluster.AddNodeAsync(o => o.MeshKeys = [Encoding.ASCII.GetBytes("key one, at least sixteen bytes")]);
        var b = await cluster.AddNodeAsync(o => o.MeshKeys = [Encoding.ASCII.GetBytes("key two, at least sixteen bytes")]);

        b.OfferCandidate(a.LocalEndPoint, DiscoverySource.Seed);
        cluster.Run(TimeSpan.FromSeconds(5));

        Assert.Empty(a.Current.Members);
        Assert.Empty(b.Current.Members);
        Assert.True(a.Statistics.DropsFor(DropReason.KeyMismatch) >= 1);
    }

    [Fact]
    public async Task Alive_IdNotMatchingPublicKey_DroppedAsBadSignature()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var raw = cluster.Network.CreateTransport();
        var alive = Alive(raw.LocalEndPoint);
        alive.NodeId = "0123456789abcdef0123456789abcdef";

        raw.Send(node.LocalEndPoint, Encode(new GossipMessage { Updates = [alive] }));
        cluster.Run(TimeSpan.FromMilliseconds(5));

        Assert.Empty(node.Current.Members);
        Assert.Equal(1, node.Statistics.DropsFor(DropReason.BadSignature));
    }

    [Fact]
    public async Task Alive_TamperedAfterSigning_DroppedAsBadSignature()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var raw = cluster.Network.CreateTransport();
        var alive = Alive(raw.LocalEndPoint);
        alive.GitPort = 1234;

        raw.Send(node.LocalEndPoint, Encode(new GossipMessage { Updates = [alive] }));
        cluster.Run(TimeSpan.FromMilliseconds(5));

        Assert.Empty(node.Current.Members);
        Assert.Equal(1, node.Statistics.DropsFor(DropReason.BadSignature));
    }

    [Fact]
    public async Task Alive_SignedFromRawSender_Admitted()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var raw = cluster.Network.CreateTransport();

        raw.Send(node.LocalEndPoint, Encode(new GossipMessage { Updates = [Alive(raw.LocalEndPoint)] }));
        cluster.Run(TimeSpan.FromMilliseconds(5));

        var member = Assert.Single(node.Current.Members);
        Assert.Equal(_attacker.Id, member.Id);
        Assert.Equal(raw.LocalEndPoint, member.GossipEndPoint);
    }

    [Fact]
    public async Task Alive_UnspecifiedAddress_ReplacedByPacketSourceOnceProven()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var raw = ChallengeResponder.Attach(cluster.Network, _attacker);

        raw.Send(node.LocalEndPoint, Encode(new GossipMessage { Updates = [Alive(new IPEndPoint(IPAddress.Any, 7946))] }));
        cluster.Run(TimeSpan.FromMilliseconds(20));

        Assert.Equal(raw.LocalEndPoint, Assert.Single(node.Current.Members).GossipEndPoint);
    }

    [Fact]
    public async Task Alive_UnspecifiedAddressRelayedWithoutObservation_Rejected()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var relay = cluster.Network.CreateTransport();
        using var relayIdentity = NodeIdentity.LoadOrCreate(Path.Combine(_root, "relay"));

        var datagram = Encode(new GossipMessage { Updates = [Alive(new IPEndPoint(IPAddress.Any, 7946))] }, relayIdentity.Id);
        relay.Send(node.LocalEndPoint, datagram);
        cluster.Run(TimeSpan.FromMilliseconds(5));

        Assert.Empty(node.Current.Members);
        Assert.Equal(1, node.Statistics.DropsFor(DropReason.InvalidAddress));
    }

    [Fact]
    public async Task Repo_InvalidPathsAndMoreThanTheCap_RejectedAndCountedMemberKept()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync(o => o.MaxReposPerMember = 2);
        var raw = cluster.Network.CreateTransport();
        WireRepo[] repos =
        [
            new() { RepoId = "a", Name = "a", Path = "/../etc", RefsDigest = "00" },
            new() { RepoId = "b", Name = "b", Path = "/b", RefsDigest = "00" },
            new() { RepoId = "c", Name = "c", Path = "~root", RefsDigest = "00" },
            new() { RepoId = "d", Name = "d", Path = "/d", RefsDigest = "00" },
            new() { RepoId = "e", Name = "e", Path = "/e", RefsDigest = "00" },
        ];

        raw.Send(node.LocalEndPoint, Encode(new GossipMessage { Updates = [Alive(raw.LocalEndPoint, repos), .. HandMadeGossip.SignedRepos(_attacker, repos)] }));
        cluster.Run(TimeSpan.FromMilliseconds(5));

        var member = Assert.Single(node.Current.Members);
        Assert.Equal(["b", "d"], member.Repos.Select(r => r.RepoId));
        Assert.Equal(2, node.Statistics.DropsFor(DropReason.InvalidRepo));
        // Once for the alive announcing 5, once for "e".
        Assert.Equal(2, node.Statistics.DropsFor(DropReason.RepoCap));
    }

    [Theory]
    [InlineData(-1, 0, false)]
    [InlineData(1, -1, false)]
    [InlineData(1, 2, false)] // a count without a digest
    [InlineData(1, 2, true, 8)] // a digest of the wrong size
    [InlineData(1, WireValidation.MaxAnnouncedRepoCount + 1, true)]
    public async Task Alive_RepoSetSummaryThatCannotBe_DroppedAndCounted(long setVersion, int count, bool digest, int digestSize = RepoSetSummary.DigestSize)
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var raw = cluster.Network.CreateTransport();
        var alive = new MemberUpdate
        {
            Kind = UpdateKind.Alive,
            NodeId = _attacker.Id,
            Incarnation = 5,
            Name = "mallory",
            Address = raw.LocalEndPoint.Address.GetAddressBytes(),
            Port = raw.LocalEndPoint.Port,
            RepoSetVersion = setVersion,
            RepoCount = count,
            RepoSetDigest = digest ? new byte[digestSize] : null,
        };
        UpdateSigning.Sign(alive, _attacker);

        raw.Send(node.LocalEndPoint, Encode(new GossipMessage { Updates = [alive] }));
        cluster.Run(TimeSpan.FromMilliseconds(5));

        Assert.Empty(node.Current.Members);
        Assert.Equal(1, node.Statistics.DropsFor(DropReason.InvalidRepoSet));
    }

    [Fact]
    public async Task Join_MoreMembersThanCap_TableBounded()
    {
        await using var cluster = MeshCluster.WithFakeTime(options: () =>
        {
            var o = PeerMesh.Mesh.Options.MeshOptions.FastTest();
            o.MaxMembers = 3;
            return o;
        });
        await cluster.AddJoinedNodesAsync(8);

        cluster.Run(TimeSpan.FromSeconds(5));

        Assert.All(cluster.Nodes, n => Assert.True(n.Current.Members.Length <= 3));
        Assert.True(cluster.Nodes[0].Statistics.DropsFor(DropReason.MemberCap) > 0);
    }

    [Fact]
    public async Task Receive_ReplayedSealedDatagram_Stale()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var key = Encoding.ASCII.GetBytes("a shared mesh key for the replay");
        var node = await cluster.AddNodeAsync(o => o.MeshKeys = [key]);
        var raw = cluster.Network.CreateTransport();
        using var ring = new PeerMesh.Mesh.Security.MeshKeyRing([key], "peermesh");
        var codec = new MeshCodec("peermesh", _attacker.Id, ring, TimeSpan.FromSeconds(60), cluster.Time, 1400);
        var datagram = codec.Encode(new GossipMessage { Updates = [Alive(raw.LocalEndPoint)] });

        raw.Send(node.LocalEndPoint, datagram);
        raw.Send(node.LocalEndPoint, datagram);
        cluster.Run(TimeSpan.FromMilliseconds(5));

        Assert.Single(node.Current.Members);
        Assert.Equal(1, node.Statistics.DropsFor(DropReason.Stale));
    }

    public void Dispose()
    {
        _attacker.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private MemberUpdate Alive(IPEndPoint endPoint, WireRepo[]? repos = null) =>
        HandMadeGossip.SignedAlive(_attacker, endPoint.Address.GetAddressBytes(), endPoint.Port, 5, "mallory", repos: repos);

    private byte[] Encode(MeshMessage message, string? senderId = null) => HandMadeGossip.Encode(senderId ?? _attacker.Id, message);
}
