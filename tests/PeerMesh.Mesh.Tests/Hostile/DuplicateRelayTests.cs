using System.Net;
using Microsoft.Extensions.Logging;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Options;
using PeerMesh.Mesh.Wire;
using PeerMesh.TestSupport.Logging;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Mesh.Tests.Hostile;

/// <summary>
/// HOSTILE-INPUTS 12 on <see cref="MeshNode"/>: in a full mesh the same update arrives from every relay;
/// it is applied once and relayed no more than the retransmit limit, however many copies arrive.
/// </summary>
public sealed class DuplicateRelayTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "peermesh-dup-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Alive_SameUpdateFromTwentyRelays_AppliedOnceRelayedWithinTheLimit()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var logger = new RecordingLogger<MeshNode>();
        using var identity = NodeIdentity.LoadOrCreate(Path.Combine(_root, "node"));
        using var listenerIdentity = NodeIdentity.LoadOrCreate(Path.Combine(_root, "listener"));
        using var subject = NodeIdentity.LoadOrCreate(Path.Combine(_root, "subject"));
        var options = MeshOptions.FastTest();
        await using var node = new MeshNode(options, identity, "node", cluster.Network.CreateTransport(), cluster.Time, logger);
        await node.StartAsync(TestContext.Current.CancellationToken);

        // A member that answers pings and records every copy of the subject's alive it is sent.
        var listener = cluster.Network.CreateTransport();
        var listenerCodec = Codec(listenerIdentity.Id);
        var copiesToListener = 0;
        listener.Start(datagram =>
        {
            var decoded = listenerCodec.Decode(datagram.Data);
            if (decoded.Message is not { } message)
            {
                return;
            }

            copiesToListener += (message.Updates ?? []).Count(u => u.NodeId == subject.Id && u.Kind == UpdateKind.Alive);
            if (message is PingMessage ping)
            {
                listener.Send(datagram.Source, listenerCodec.Encode(new AckMessage { Seq = ping.Seq }));
            }
        });
        listener.Send(node.LocalEndPoint, listenerCodec.Encode(new GossipMessage { Updates = [Alive(listenerIdentity, listener.LocalEndPoint)] }));
        cluster.Run(TimeSpan.FromSeconds(1));
        var subjectAlive = Alive(subject, new IPEndPoint(IPAddress.Parse("10.200.0.1"), 7946));

        for (var relay = 0; relay < 20; relay++)
        {
            var transport = cluster.Network.CreateTransport();
            using var relayIdentity = NodeIdentity.LoadOrCreate(Path.Combine(_root, "relay" + relay));
            transport.Send(node.LocalEndPoint, Codec(relayIdentity.Id).Encode(new GossipMessage { Updates = [subjectAlive] }));
            cluster.Run(TimeSpan.FromMilliseconds(30));
        }

        cluster.Run(TimeSpan.FromSeconds(2));

        Assert.Single(logger.Lines, l => l.Level == LogLevel.Information && l.Message.Contains($"({subject.Id}) joined", StringComparison.Ordinal));
        // The subject never answers and is suspected meanwhile: a copy of its old alive must not revive it.
        Assert.DoesNotContain(logger.Lines, l => l.Message.Contains(subject.Id[..8], StringComparison.Ordinal) && l.Message.Contains("is alive again", StringComparison.Ordinal));
        // Two members besides itself: retransmit limit RetransmitMult * ceil(log10(3)) = 4 sends per member.
        Assert.InRange(copiesToListener, 1, options.RetransmitMult);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static MeshCodec Codec(string id) => new("peermesh", id, null, TimeSpan.FromSeconds(60), TimeProvider.System, 1400);

    private static MemberUpdate Alive(NodeIdentity identity, IPEndPoint endPoint)
    {
        var update = new MemberUpdate
        {
            Kind = UpdateKind.Alive,
            NodeId = identity.Id,
            Incarnation = 1,
            Name = "n" + identity.Id[..4],
            Address = endPoint.Address.GetAddressBytes(),
            Port = endPoint.Port,
            Repos = [],
        };
        UpdateSigning.Sign(update, identity);
        return update;
    }
}
