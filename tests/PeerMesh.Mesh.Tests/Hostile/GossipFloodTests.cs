using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Options;
using PeerMesh.Mesh.Transport;
using PeerMesh.Mesh.Wire;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Mesh.Tests.Hostile;

/// <summary>HOSTILE-INPUTS 11: one source floods a node with 10 000 datagrams/s; other peers are still served.</summary>
public sealed class GossipFloodTests : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "peermesh-flood-" + Guid.NewGuid().ToString("N"));
    private readonly List<MeshNode> _nodes = [];
    private readonly List<NodeIdentity> _identities = [];

    [Fact]
    public async Task Flood_TenThousandPerSecondForThreeSeconds_CutOffAndHonestPeerStaysAlive()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var nodes = await cluster.AddJoinedNodesAsync(2);
        var (node, honest) = (nodes[0], nodes[1]);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(nodes), TimeSpan.FromSeconds(5)));
        var flooder = cluster.Network.CreateTransport();
        var ping = new MeshCodec("peermesh", "0123456789abcdef0123456789abcdef", null, TimeSpan.FromSeconds(60), cluster.Time, 1400)
            .Encode(new PingMessage { Seq = 1, TargetId = node.LocalId });
        var honestSuspected = false;

        // 100 datagrams every 10 ms: 10 000/s, each one a valid ping that would cost a decode and an ack.
        for (var tick = 0; tick < 300; tick++)
        {
            for (var i = 0; i < 100; i++)
            {
                flooder.Send(node.LocalEndPoint, ping);
            }

            cluster.Run(TimeSpan.FromMilliseconds(10));
            honestSuspected |= node.Current.Find(honest.LocalId)?.State != MemberState.Alive
                || honest.Current.Find(node.LocalId)?.State != MemberState.Alive;
        }

        // Burst of 1000 plus 1000/s for 3 s get through; the other 26 000 never reach the decoder.
        var limited = node.Statistics.DropsFor(DropReason.RateLimited);
        Assert.InRange(limited, 25_900, 26_100);
        Assert.False(honestSuspected);
        Assert.True(MeshCluster.AllSeeEachOtherAlive(nodes));
        Assert.Equal(0, honest.Statistics.DropsFor(DropReason.RateLimited));
    }

    [Fact]
    public async Task Flood_RealUdpOnLoopback_FlooderLimitedWhileOtherNodeStaysAlive()
    {
        var node = await StartAsync();
        var honest = await StartAsync();
        honest.OfferCandidate(node.LocalEndPoint, DiscoverySource.Seed);
        await UntilAsync("the two nodes alive to each other", () => Alive(node, honest) && Alive(honest, node));
        var ping = new MeshCodec("peermesh", "0123456789abcdef0123456789abcdef", null, TimeSpan.FromSeconds(60), TimeProvider.System, 1400)
            .Encode(new PingMessage { Seq = 1, TargetId = node.LocalId });
        using var flooder = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        flooder.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        // 10 000 datagrams in batches of 100, each batch sent once the node has read the one before (a faster sender
        // only overflows the kernel's socket buffer): as fast as the node reads, far above its limit of 1000/s.
        const int Batches = 100, PerBatch = 100;
        var time = TimeProvider.System;
        // The node also hears the honest node, which sends to nobody else.
        var (before, honestBefore) = (node.Statistics.DatagramsIn, honest.Statistics.DatagramsOut);
        var started = time.GetTimestamp();
        var sent = 0;
        for (var batch = 0; batch < Batches; batch++)
        {
            for (var i = 0; i < PerBatch; i++)
            {
                await flooder.SendToAsync(ping, SocketFlags.None, node.LocalEndPoint, TestContext.Current.CancellationToken);
                sent++;
            }

            await Poll.UntilAsync(
                $"the node read {sent} datagrams",
                () => node.Statistics.DatagramsIn - before >= sent + (honest.Statistics.DatagramsOut - honestBefore),
                TimeSpan.FromSeconds(10),
                TestContext.Current.CancellationToken,
                TimeSpan.FromMilliseconds(2));
        }

        var took = time.GetElapsedTime(started);
        Assert.True(Alive(node, honest) && Alive(honest, node));
        // Of the flooder's datagrams at most the burst (1000) plus the refill (1000/s) over the flood were processed
        // (2 more for honest datagrams that were on their way when counting started).
        var processedAtMost = 1002 + (int)Math.Ceiling(took.TotalSeconds * 1000);
        Assert.InRange(node.Statistics.DropsFor(DropReason.RateLimited), Math.Max(1, sent - processedAtMost), sent);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        foreach (var identity in _identities)
        {
            identity.Dispose();
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static bool Alive(MeshNode observer, MeshNode other) => observer.Current.Find(other.LocalId)?.State == MemberState.Alive;

    private static Task UntilAsync(string what, Func<bool> condition) =>
        Poll.UntilAsync(what, condition, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

    private async Task<MeshNode> StartAsync()
    {
        var options = MeshOptions.FastTest();
        var identity = NodeIdentity.LoadOrCreate(Path.Combine(_root, _identities.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        _identities.Add(identity);
        var transport = UdpTransport.Bind(IPAddress.Loopback, 0, TimeProvider.System, NullLogger<UdpTransport>.Instance);
        var node = new MeshNode(options, identity, "node" + _nodes.Count, transport, TimeProvider.System, NullLogger<MeshNode>.Instance);
        _nodes.Add(node);
        await node.StartAsync(TestContext.Current.CancellationToken);
        return node;
    }
}
