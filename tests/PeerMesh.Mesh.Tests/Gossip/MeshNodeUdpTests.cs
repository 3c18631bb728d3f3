using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Options;
using PeerMesh.Mesh.Transport;
using PeerMesh.Mesh.Wire;
using Xunit;

namespace PeerMesh.Mesh.Tests.Gossip;

/// <summary>Real UDP on loopback, in-process nodes, real clock: polls to a deadline, always cleans up.</summary>
public sealed class MeshNodeUdpTests : IAsyncDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "peermesh-udp-" + Guid.NewGuid().ToString("N"));
    private readonly List<MeshNode> _nodes = [];
    private readonly List<NodeIdentity> _identities = [];

    [Fact]
    public async Task Join_ThreeNodesChainedSeeds_AllSeeTheOtherTwoAlive()
    {
        var a = await StartAsync(IPAddress.Loopback);
        var b = await StartAsync(IPAddress.Loopback);
        var c = await StartAsync(IPAddress.Loopback);

        b.OfferCandidate(a.LocalEndPoint, DiscoverySource.Seed);
        c.OfferCandidate(b.LocalEndPoint, DiscoverySource.Seed);

        Assert.True(await PollAsync(() => AllAlive(a, b, c)), Describe());
        Assert.NotEqual(0, a.LocalEndPoint.Port);
        Assert.Equal(c.LocalEndPoint, a.Current.Find(c.LocalId)!.GossipEndPoint);
    }

    [Fact]
    public async Task Crash_OneOfThree_OthersMarkItNotAliveWithinTenSeconds()
    {
        var a = await StartAsync(IPAddress.Loopback);
        var b = await StartAsync(IPAddress.Loopback);
        var (c, cTransport) = await StartWithTransportAsync(IPAddress.Loopback);
        b.OfferCandidate(a.LocalEndPoint, DiscoverySource.Seed);
        c.OfferCandidate(a.LocalEndPoint, DiscoverySource.Seed);
        Assert.True(await PollAsync(() => AllAlive(a, b, c)), Describe());

        // A crash: the socket goes away without a leave.
        await cTransport.DisposeAsync();

        Assert.True(await PollAsync(() => a.Current.Find(c.LocalId)?.State == MemberState.Dead && b.Current.Find(c.LocalId)?.State == MemberState.Dead), Describe());
    }

    [Fact]
    public async Task Join_DifferentMeshKeys_NeverSeeEachOther()
    {
        var a = await StartAsync(IPAddress.Loopback, o => o.MeshKeys = [Encoding.ASCII.GetBytes("mesh key number one, long enough")]);
        var b = await StartAsync(IPAddress.Loopback, o => o.MeshKeys = [Encoding.ASCII.GetBytes("mesh key number two, long enough")]);
        var open = await StartAsync(IPAddress.Loopback);

        b.OfferCandidate(a.LocalEndPoint, DiscoverySource.Seed);
        open.OfferCandidate(a.LocalEndPoint, DiscoverySource.Seed);
        a.OfferCandidate(b.LocalEndPoint, DiscoverySource.Seed);

        Assert.True(await PollAsync(() => a.Statistics.DropsFor(DropReason.KeyMismatch) >= 2 && b.Statistics.DropsFor(DropReason.KeyMismatch) >= 1));
        Assert.Empty(a.Current.Members);
        Assert.Empty(b.Current.Members);
        Assert.Empty(open.Current.Members);
        Assert.True(a.IsEncrypted);
        Assert.False(open.IsEncrypted);
    }

    [Fact]
    public async Task Join_SameMeshKey_SeeEachOther()
    {
        var key = Encoding.ASCII.GetBytes("shared mesh key, long enough....");
        var a = await StartAsync(IPAddress.Loopback, o => o.MeshKeys = [key]);
        var b = await StartAsync(IPAddress.Loopback, o => o.MeshKeys = [key]);

        b.OfferCandidate(a.LocalEndPoint, DiscoverySource.Seed);

        Assert.True(await PollAsync(() => AllAlive(a, b)), Describe());
    }

    [Fact]
    public async Task Join_IPv6Loopback_SeeEachOther()
    {
        if (!Socket.OSSupportsIPv6)
        {
            Assert.Skip("IPv6 is not available on this host");
        }

        MeshNode a;
        try
        {
            a = await StartAsync(IPAddress.IPv6Loopback);
        }
        catch (SocketException ex)
        {
            Assert.Skip("cannot bind ::1: " + ex.SocketErrorCode);
            return;
        }

        var b = await StartAsync(IPAddress.IPv6Loopback);
        b.OfferCandidate(a.LocalEndPoint, DiscoverySource.Seed);

        Assert.True(await PollAsync(() => AllAlive(a, b)), Describe());
        Assert.Equal(AddressFamily.InterNetworkV6, a.Current.Find(b.LocalId)!.GossipEndPoint.AddressFamily);
    }

    [Fact]
    public async Task Join_DualStackListenerWithIPv4Seed_UnspecifiedAddressReplacedBySource()
    {
        var a = await StartAsync(IPAddress.IPv6Any, o => o.ListenAddress = IPAddress.IPv6Any);
        var b = await StartAsync(IPAddress.Loopback);

        b.OfferCandidate(new IPEndPoint(IPAddress.Loopback, a.LocalEndPoint.Port), DiscoverySource.Seed);

        Assert.True(await PollAsync(() => AllAlive(a, b)), Describe());
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, a.LocalEndPoint.Port), b.Current.Find(a.LocalId)!.GossipEndPoint);
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

    private static bool AllAlive(params MeshNode[] nodes) =>
        nodes.All(n => nodes.Where(o => o != n).All(o => n.Current.Find(o.LocalId)?.State == MemberState.Alive));

    private static async Task<bool> PollAsync(Func<bool> condition)
    {
        var deadline = DateTimeOffset.UtcNow + s_deadline;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        return condition();
    }

    private string Describe() => string.Join(
        " | ",
        _nodes.Select(n => $"{n.Name}@{n.LocalEndPoint}: [{string.Join(", ", n.Current.Members.Select(m => $"{m.Name}={m.State}@{m.GossipEndPoint}"))}] drops {string.Join(",", n.Statistics.Drops)}"));

    private async Task<MeshNode> StartAsync(IPAddress address, Action<MeshOptions>? configure = null) =>
        (await StartWithTransportAsync(address, configure)).Node;

    private async Task<(MeshNode Node, UdpTransport Transport)> StartWithTransportAsync(IPAddress address, Action<MeshOptions>? configure = null)
    {
        var options = MeshOptions.FastTest();
        options.ListenAddress = address;
        configure?.Invoke(options);
        var identity = NodeIdentity.LoadOrCreate(Path.Combine(_root, _identities.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        _identities.Add(identity);
        var transport = UdpTransport.Bind(options.ListenAddress, 0, TimeProvider.System, NullLogger<UdpTransport>.Instance);
        var node = new MeshNode(options, identity, "udp" + _nodes.Count, transport, TimeProvider.System, NullLogger<MeshNode>.Instance);
        _nodes.Add(node);
        await node.StartAsync(TestContext.Current.CancellationToken);
        return (node, transport);
    }
}
