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
        var honest = cluster.Network.CreateTransport();
        var attacker = cluster.Network.CreateTransport();
        // Advertised unspecified (bound to any address): its address comes from the packet's source.
        var alive = SignedAlive(new IPEndPoint(IPAddress.Any, honest.LocalEndPoint.Port), 7);
        honest.Send(node.LocalEndPoint, Encode(alive));
        cluster.Run(TimeSpan.FromMilliseconds(5));
        Assert.Equal(honest.LocalEndPoint.Address, Assert.Single(node.Current.Members).GossipEndPoint.Address);

        for (var i = 0; i < 5; i++)
        {
            attacker.Send(node.LocalEndPoint, Encode(alive));
            cluster.Run(TimeSpan.FromMilliseconds(10));
        }

        Assert.Equal(honest.LocalEndPoint.Address, Assert.Single(node.Current.Members).GossipEndPoint.Address);
        Assert.Equal(5, node.Statistics.Conflicts);
    }

    [Fact(Skip = "known gap (HOSTILE 9): an unspecified advertised address is taken from the packet source, and the sender id in the header is not authenticated, so whoever relays the signed alive first to a node that does not know the member yet decides its address. Needs a signed answer to a challenge before believing a source address.")]
    public async Task Alive_UnknownNodesUnspecifiedAddressAnnouncementReplayedFromAnotherHost_AttackerAddressNotBelieved()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var attacker = cluster.Network.CreateTransport();
        var alive = SignedAlive(new IPEndPoint(IPAddress.Any, 7946), 7);

        attacker.Send(node.LocalEndPoint, Encode(alive));
        cluster.Run(TimeSpan.FromMilliseconds(5));

        Assert.DoesNotContain(node.Current.Members, m => m.GossipEndPoint.Address.Equals(attacker.LocalEndPoint.Address));
    }

    public void Dispose()
    {
        _victimOfSpoof.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>What the spoofed node itself announces: signed with its key.</summary>
    private MemberUpdate SignedAlive(IPEndPoint endPoint, long incarnation)
    {
        var update = new MemberUpdate
        {
            Kind = UpdateKind.Alive,
            NodeId = _victimOfSpoof.Id,
            Incarnation = incarnation,
            Name = "alice",
            Address = endPoint.Address.GetAddressBytes(),
            Port = endPoint.Port,
            GitPort = 9418,
            Repos = [],
        };
        UpdateSigning.Sign(update, _victimOfSpoof);
        return update;
    }

    /// <summary>The attacker claims to be the spoofed node in the datagram header too.</summary>
    private byte[] Encode(MemberUpdate alive) =>
        new MeshCodec("peermesh", _victimOfSpoof.Id, null, TimeSpan.FromSeconds(60), TimeProvider.System, 1400).Encode(new GossipMessage { Updates = [alive] });
}
