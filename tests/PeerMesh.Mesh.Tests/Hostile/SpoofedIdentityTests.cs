using System.Net;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Wire;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Mesh.Tests.Hostile;

/// <summary>
/// HOSTILE-INPUTS 9 and 20 on <see cref="MeshNode"/>: an attacker re-sends another node's signed
/// announcement (it receives them as a member) from its own address, claiming to be that node.
/// </summary>
public sealed class SpoofedIdentityTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "peermesh-spoof-" + Guid.NewGuid().ToString("N"));
    private readonly NodeIdentity _victimOfSpoof;

    public SpoofedIdentityTests() => _victimOfSpoof = NodeIdentity.LoadOrCreate(_root);

    [Fact]
    public async Task Alive_SignedAddressReplayedFromAnotherHost_SignedAddressKeptNotTheSource()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var attacker = cluster.Network.CreateTransport();
        var real = new IPEndPoint(IPAddress.Parse("10.9.9.9"), 7946);

        attacker.Send(node.LocalEndPoint, Encode(SignedAlive(real, 7)));
        cluster.Run(TimeSpan.FromMilliseconds(5));

        var member = Assert.Single(node.Current.Members);
        Assert.Equal(_victimOfSpoof.Id, member.Id);
        Assert.Equal(real, member.GossipEndPoint);
    }

    [Fact]
    public async Task Alive_AddressChangedByTheReplayer_BadSignatureNotAdmitted()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var attacker = cluster.Network.CreateTransport();
        var alive = SignedAlive(new IPEndPoint(IPAddress.Parse("10.9.9.9"), 7946), 7);
        alive.Address = attacker.LocalEndPoint.Address.GetAddressBytes();

        attacker.Send(node.LocalEndPoint, Encode(alive));
        cluster.Run(TimeSpan.FromMilliseconds(5));

        Assert.Empty(node.Current.Members);
        Assert.Equal(1, node.Statistics.DropsFor(DropReason.BadSignature));
    }

    [Fact]
    public async Task Alive_KnownNodesAnnouncementReplayedFromAnotherHost_AddressKeptAndConflictCounted()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var honest = ChallengeResponder.Attach(cluster.Network, _victimOfSpoof);
        var attacker = cluster.Network.CreateTransport();
        // Advertised unspecified (bound to any address): its address comes from the packet's source, once proven.
        var alive = SignedAlive(new IPEndPoint(IPAddress.Any, honest.LocalEndPoint.Port), 7);
        honest.Send(node.LocalEndPoint, Encode(alive));
        cluster.Run(TimeSpan.FromMilliseconds(20));
        Assert.Equal(honest.LocalEndPoint.Address, Assert.Single(node.Current.Members).GossipEndPoint.Address);

        for (var i = 0; i < 5; i++)
        {
            attacker.Send(node.LocalEndPoint, Encode(alive));
            cluster.Run(TimeSpan.FromMilliseconds(10));
        }

        var member = Assert.Single(node.Current.Members);
        Assert.Equal(honest.LocalEndPoint.Address, member.GossipEndPoint.Address);
        Assert.Equal(attacker.LocalEndPoint, member.ConflictingEndPoint);
        Assert.Equal(5, node.Statistics.Conflicts);
    }

    [Fact]
    public async Task Alive_SevenChallengesLost_EighthTryAdmitsTheMember()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var honest = ChallengeResponder.Attach(cluster.Network, _victimOfSpoof, unanswered: 7);

        honest.Send(node.LocalEndPoint, Encode(SignedAlive(new IPEndPoint(IPAddress.Any, 7946), 7)));
        cluster.Run(TimeSpan.FromSeconds(20));

        Assert.Equal(honest.LocalEndPoint, Assert.Single(node.Current.Members).GossipEndPoint);
        Assert.Equal(0, node.Statistics.DropsFor(DropReason.UnprovenAddress));
    }

    [Fact]
    public async Task Alive_UnknownNodesUnspecifiedAddressAnnouncementReplayedFromAnotherHost_AttackerAddressNotBelieved()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var attacker = cluster.Network.CreateTransport();
        var alive = SignedAlive(new IPEndPoint(IPAddress.Any, 7946), 7);

        attacker.Send(node.LocalEndPoint, Encode(alive));
        cluster.Run(TimeSpan.FromSeconds(20));

        Assert.DoesNotContain(node.Current.Members, m => m.GossipEndPoint.Address.Equals(attacker.LocalEndPoint.Address));
        Assert.Equal(1, node.Statistics.DropsFor(DropReason.UnprovenAddress));
    }

    [Fact]
    public async Task Alive_NewerAnnouncementReplayedFirstFromAnotherHost_TakenAtTheProvenAddressAndConflictCounted()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var honest = ChallengeResponder.Attach(cluster.Network, _victimOfSpoof);
        var attacker = cluster.Network.CreateTransport();
        honest.Send(node.LocalEndPoint, Encode(SignedAlive(new IPEndPoint(IPAddress.Any, 7946), 7)));
        cluster.Run(TimeSpan.FromMilliseconds(20));

        // The attacker, a member too, got the node's next announcement first and replays it as its own.
        attacker.Send(node.LocalEndPoint, Encode(SignedAlive(new IPEndPoint(IPAddress.Any, 7946), 8)));
        cluster.Run(TimeSpan.FromSeconds(20));

        var member = Assert.Single(node.Current.Members);
        Assert.Equal(8, member.Incarnation);
        Assert.Equal(honest.LocalEndPoint, member.GossipEndPoint);
        Assert.Equal(attacker.LocalEndPoint, member.ConflictingEndPoint);
        Assert.Equal(1, node.Statistics.Conflicts);
    }

    [Fact]
    public async Task Alive_RelayObservedTheAttackersAddress_NotBelieved()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var attacker = cluster.Network.CreateTransport();
        var alive = SignedAlive(new IPEndPoint(IPAddress.Any, 7946), 7);
        alive.ObservedAddress = attacker.LocalEndPoint.Address.GetAddressBytes(); // not signed

        attacker.Send(node.LocalEndPoint, Encode(alive, senderId: "0123456789abcdef0123456789abcdef"));
        cluster.Run(TimeSpan.FromSeconds(20));

        Assert.Empty(node.Current.Members);
        Assert.Equal(1, node.Statistics.DropsFor(DropReason.UnprovenAddress));
    }

    [Fact]
    public async Task Challenge_ForwardedByTheAttackerToTheRealNode_ProofNamesTheAttackerAndIsRejected()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var honest = ChallengeResponder.Attach(cluster.Network, _victimOfSpoof);
        var attacker = cluster.Network.CreateTransport();
        // A man in the middle: challenges go on to the real node, its answers come back as the attacker's.
        attacker.Start(datagram => attacker.Send(datagram.Source.Equals(honest.LocalEndPoint) ? node.LocalEndPoint : honest.LocalEndPoint, datagram.Data.Span));

        attacker.Send(node.LocalEndPoint, Encode(SignedAlive(new IPEndPoint(IPAddress.Any, 7946), 7)));
        cluster.Run(TimeSpan.FromSeconds(20));

        Assert.Empty(node.Current.Members);
        Assert.Equal(1, node.Statistics.DropsFor(DropReason.UnprovenAddress));
        Assert.Equal(1, node.Statistics.Conflicts);
    }

    [Fact]
    public async Task Challenge_BadAnswerFromAnotherAddressFirst_IgnoredAndTheMembersAnswerProvesIt()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var honest = cluster.Network.CreateTransport();
        var attacker = cluster.Network.CreateTransport();
        var codec = HandMadeGossip.Codec(_victimOfSpoof.Id);
        honest.Start(datagram =>
        {
            if (codec.Decode(datagram.Data).Message is PingMessage { Nonce: { } nonce } ping)
            {
                // The attacker learns the sequence number (it shares the link) and answers first, badly.
                attacker.Send(node.LocalEndPoint, codec.Encode(new AckMessage { Seq = ping.Seq, Proof = new byte[64] }));
                honest.Send(datagram.Source, codec.Encode(AddressProof.Answer(_victimOfSpoof, ping.Seq, nonce, node.LocalId, datagram.Source)));
            }
        });

        honest.Send(node.LocalEndPoint, Encode(SignedAlive(new IPEndPoint(IPAddress.Any, 7946), 7)));
        cluster.Run(TimeSpan.FromMilliseconds(20));

        Assert.Equal(honest.LocalEndPoint, Assert.Single(node.Current.Members).GossipEndPoint);
        Assert.Equal(0, node.Statistics.DropsFor(DropReason.UnprovenAddress));
    }

    [Fact]
    public async Task Challenge_FiveHundredAtOnce_AllAnsweredAtMostTwoHundredSigned()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var challenger = cluster.Network.CreateTransport();
        var codec = HandMadeGossip.Codec(_victimOfSpoof.Id);
        var acks = new List<AckMessage>();
        challenger.Start(datagram => acks.Add((AckMessage)codec.Decode(datagram.Data).Message!));

        for (var seq = 1; seq <= 500; seq++)
        {
            challenger.Send(node.LocalEndPoint, codec.Encode(new PingMessage { Seq = seq, TargetId = node.LocalId, Nonce = new byte[AddressProof.NonceSize] }));
        }

        cluster.Run(TimeSpan.FromMilliseconds(5));

        Assert.Equal(500, acks.Count);
        Assert.Equal(200, acks.Count(a => a.Proof is not null));
        Assert.Equal(300, node.Statistics.DropsFor(DropReason.ProofBudget));
    }

    [Fact]
    public async Task Join_NodesAdvertisingNoAddress_ProveTheirAddressesAndConverge()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var nodes = await cluster.AddJoinedNodesAsync(5, o => o.AdvertiseAddress = IPAddress.Any);

        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(nodes), TimeSpan.FromSeconds(10)));
        foreach (var node in nodes)
        {
            Assert.All(node.Current.Members, m => Assert.Equal(nodes.Single(n => n.LocalId == m.Id).LocalEndPoint, m.GossipEndPoint));
            Assert.Equal(0, node.Statistics.DropsFor(DropReason.UnprovenAddress));
        }
    }

    public void Dispose()
    {
        _victimOfSpoof.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>What the spoofed node itself announces: signed with its key.</summary>
    private MemberUpdate SignedAlive(IPEndPoint endPoint, long incarnation) =>
        HandMadeGossip.SignedAlive(_victimOfSpoof, endPoint.Address.GetAddressBytes(), endPoint.Port, incarnation, "alice", gitPort: 9418);

    /// <summary>The attacker claims to be the spoofed node in the datagram header too (or a relay: <paramref name="senderId"/>).</summary>
    private byte[] Encode(MemberUpdate alive, string? senderId = null) =>
        HandMadeGossip.Encode(senderId ?? _victimOfSpoof.Id, new GossipMessage { Updates = [alive] });
}
