using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Discovery.Dns;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Discovery.Mdns.Sockets;
using PeerMesh.Mesh.Membership;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Netns;
using Xunit;

namespace PeerMesh.Discovery.Tests.Mdns;

/// <summary>Real multicast, only ever inside network namespaces this test creates (never on the host's interfaces).</summary>
public sealed class UdpMdnsTransportTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task TwoNodesInNamespaces_ExchangeAnnouncements_EachOffersTheOther()
    {
        var unavailable = await NetnsTestBed.GetSkipReasonAsync(TestContext.Current.CancellationToken);
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        await using var link = await MdnsLink.CreateAsync(TestContext.Current.CancellationToken);
        using var threadA = link.First.StartThread();
        using var threadB = link.Second.StartThread();
        var (a, sinkA) = CreateNode(threadA, link.FirstInterface, "aa01", 7001);
        var (b, sinkB) = CreateNode(threadB, link.SecondInterface, "bb02", 7002);
        await using (a)
        await using (b)
        {
            await a.StartAsync(TestContext.Current.CancellationToken);
            await b.StartAsync(TestContext.Current.CancellationToken);

            await PollAsync(() => sinkA.Offers.Count > 0 && sinkB.Offers.Count > 0);

            Assert.Equal((new IPEndPoint(link.SecondInterface.Addresses[0], 7002), DiscoverySource.Mdns, (string?)"bb02"), sinkA.Offers[0]);
            Assert.Equal((new IPEndPoint(link.FirstInterface.Addresses[0], 7001), DiscoverySource.Mdns, (string?)"aa01"), sinkB.Offers[0]);
            Assert.False(a.Status.Degraded);
            Assert.Equal([link.FirstInterface.Name], a.Status.Interfaces);
            Assert.Equal(0, a.Counters.DropCount("off-link (IP TTL not 255)"));
        }
    }

    [Fact]
    public async Task TwoNodesSharingPort5353OnOneHost_FindEachOther()
    {
        var unavailable = await NetnsTestBed.GetSkipReasonAsync(TestContext.Current.CancellationToken);
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        await using var link = await MdnsLink.CreateAsync(TestContext.Current.CancellationToken);
        using var thread = link.First.StartThread();
        var (a, sinkA) = CreateNode(thread, link.FirstInterface, "aa01", 7001);
        var (b, sinkB) = CreateNode(thread, link.FirstInterface, "bb02", 7002);
        await using (a)
        await using (b)
        {
            await a.StartAsync(TestContext.Current.CancellationToken);
            await b.StartAsync(TestContext.Current.CancellationToken);

            await PollAsync(() => sinkA.Offers.Count > 0 && sinkB.Offers.Count > 0);

            Assert.False(a.Status.Degraded || b.Status.Degraded);
            Assert.Equal((new IPEndPoint(link.FirstInterface.Addresses[0], 7002), "bb02"), (sinkA.Offers[0].EndPoint, sinkA.Offers[0].NodeId));
            Assert.Equal((new IPEndPoint(link.FirstInterface.Addresses[0], 7001), "aa01"), (sinkB.Offers[0].EndPoint, sinkB.Offers[0].NodeId));

            // Same display name on one host: probing renamed one of them.
            Assert.Equal(["node", "node (2)"], new[] { a.Status.InstanceName!, b.Status.InstanceName! }.Order());
        }
    }

    [Fact]
    public async Task ReceiveSocketFaults_LoopReopensItAndDiscoveryGoesOn()
    {
        var unavailable = await NetnsTestBed.GetSkipReasonAsync(TestContext.Current.CancellationToken);
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        await using var link = await MdnsLink.CreateAsync(TestContext.Current.CancellationToken);
        using var threadA = link.First.StartThread();
        using var threadB = link.Second.StartThread();
        var factoryA = new RecordingSocketFactory(new NamespaceSocketFactory(threadA));
        var options = new MdnsOptions { InterfacePollInterval = TimeSpan.FromMilliseconds(200), ReceiveRestartDelay = TimeSpan.FromMilliseconds(100) };
        var counters = new MdnsCounters();
        var sinkA = new RecordingSink();
        // The MdnsDiscovery made next owns the transport and disposes it.
#pragma warning disable CA2000
        var transport = new UdpMdnsTransport(options, new FixedInterfaceProvider(link.FirstInterface), factoryA, TimeProvider.System, NullLogger.Instance, counters);
#pragma warning restore CA2000
        await using var a = new MdnsDiscovery(options, MdnsTestBed.Advertisement("aa01", "node"), sinkA, TimeProvider.System, NullLogger.Instance, transport, counters);
        await a.StartAsync(TestContext.Current.CancellationToken);

        // Created[0] is the IPv4 socket, [1] the IPv6 one; the reopened IPv4 socket is [2].
        Assert.Equal([AddressFamily.InterNetwork, AddressFamily.InterNetworkV6], factoryA.Created.Select(c => c.AddressFamily));
        factoryA.Created[0].Dispose();
        await PollAsync(() => factoryA.Created.Count == 3 && !a.Status.Degraded && a.Status.Interfaces.Count == 1);
        var (b, _) = CreateNode(threadB, link.SecondInterface, "bb02", 7002);
        await using (b)
        {
            await b.StartAsync(TestContext.Current.CancellationToken);
            await PollAsync(() => sinkA.Offers.Count > 0);
        }

        Assert.Equal(1, a.Counters.DropCount("receive loop restarted"));
    }

    [Fact]
    public async Task OffLinkPacket_TtlBelow255_IsDroppedAndCounted()
    {
        var unavailable = await NetnsTestBed.GetSkipReasonAsync(TestContext.Current.CancellationToken);
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        await using var link = await MdnsLink.CreateAsync(TestContext.Current.CancellationToken);
        using var threadA = link.First.StartThread();
        using var threadB = link.Second.StartThread();
        var (a, _) = CreateNode(threadA, link.FirstInterface, "aa01", 7001);
        await using (a)
        {
            await a.StartAsync(TestContext.Current.CancellationToken);
            var query = DnsMessageEncoder.Encode(DnsMessage.Query([new DnsQuestion(MdnsNames.PeerMeshService, DnsRecordType.Ptr)]));
            using var sender = threadB.Invoke(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
            sender.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, link.SecondInterface.Addresses[0].GetAddressBytes());
            sender.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 64);

            await PollAsync(() =>
            {
                sender.SendTo(query, new IPEndPoint(UdpMdnsTransport.Group, 5353));
                return a.Counters.DropCount("off-link (IP TTL not 255)") > 0;
            });

            sender.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 255);
            var before = a.Counters.PacketsIn;
            await PollAsync(() =>
            {
                sender.SendTo(query, new IPEndPoint(UdpMdnsTransport.Group, 5353));
                return a.Counters.PacketsIn > before + 1;
            });
            Assert.Equal(a.Counters.DropCount("off-link (IP TTL not 255)"), a.Counters.Drops["off-link (IP TTL not 255)"]);
        }
    }

    [Fact]
    public async Task UnicastQueryFromOffLinkSourceWithTtl255_IsDroppedAndNotAnswered()
    {
        var unavailable = await NetnsTestBed.GetSkipReasonAsync(TestContext.Current.CancellationToken);
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        await using var link = await MdnsLink.CreateAsync(TestContext.Current.CancellationToken);

        // B gets a second address on another prefix (198.19.N.2/32); A routes that prefix back via B, so
        // without the source check A could and would answer it. TTL 255 on both: only the source differs.
        var onLinkAddress = link.SecondInterface.Addresses[0];
        var subnet = onLinkAddress.GetAddressBytes()[2];
        var offLinkAddress = IPAddress.Parse($"198.19.{subnet}.2");
        await link.Second.IpAsync(TestContext.Current.CancellationToken, "addr", "add", offLinkAddress + "/32", "dev", link.SecondInterface.Name);
        await link.First.IpAsync(TestContext.Current.CancellationToken, "route", "add", $"198.19.{subnet}.0/24", "via", onLinkAddress.ToString());
        using var threadA = link.First.StartThread();
        using var threadB = link.Second.StartThread();
        var (a, _) = CreateNode(threadA, link.FirstInterface, "aa01", 7001);
        await using (a)
        {
            await a.StartAsync(TestContext.Current.CancellationToken);
            var target = new IPEndPoint(link.FirstInterface.Addresses[0], 5353);
            var query = DnsMessageEncoder.Encode(new DnsMessage(0x1234, 0, [new DnsQuestion(MdnsNames.PeerMeshService, DnsRecordType.Ptr)], [], [], []));
            using var onLink = LegacyResolver(threadB, onLinkAddress);
            using var offLink = LegacyResolver(threadB, offLinkAddress);

            // The same query from B's on-link address is answered (by unicast, as to a legacy resolver).
            await PollAsync(() =>
            {
                onLink.SendTo(query, target);
                return onLink.Poll(TimeSpan.FromMilliseconds(200), SelectMode.SelectRead);
            });

            var answered = false;
            await PollAsync(() =>
            {
                offLink.SendTo(query, target);
                answered = offLink.Poll(TimeSpan.FromMilliseconds(200), SelectMode.SelectRead);
                return answered || a.Counters.DropCount("off-link source") >= 3;
            });
            Assert.False(answered || offLink.Poll(TimeSpan.FromSeconds(1), SelectMode.SelectRead), "an off-link query was answered");
            Assert.Equal(0, a.Counters.DropCount("off-link (IP TTL not 255)"));
        }
    }

    [Fact]
    public async Task TwoNodesWithoutIpv4_FindEachOtherOverFf02Fb_OfferedWithScopedLinkLocal()
    {
        var unavailable = await NetnsTestBed.GetSkipReasonAsync(TestContext.Current.CancellationToken);
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        await using var link = await MdnsLink.CreateAsync(ipv4: false, ipv6: true, TestContext.Current.CancellationToken);
        using var threadA = link.First.StartThread();
        using var threadB = link.Second.StartThread();
        var (a, sinkA) = CreateNode(threadA, link.FirstInterface, "aa01", 7001);
        var (b, sinkB) = CreateNode(threadB, link.SecondInterface, "bb02", 7002);
        await using (a)
        await using (b)
        {
            await a.StartAsync(TestContext.Current.CancellationToken);
            await b.StartAsync(TestContext.Current.CancellationToken);

            await PollAsync(() => sinkA.Offers.Count > 0 && sinkB.Offers.Count > 0);

            // fe80::2 as heard on A's end of the link, so the scope is A's interface index (and vice versa).
            Assert.Equal((new IPEndPoint(Scoped("fe80::2", link.FirstInterface.Index), 7002), DiscoverySource.Mdns, (string?)"bb02"), sinkA.Offers[0]);
            Assert.Equal((new IPEndPoint(Scoped("fe80::1", link.SecondInterface.Index), 7001), DiscoverySource.Mdns, (string?)"aa01"), sinkB.Offers[0]);
            Assert.False(a.Status.Degraded);
            Assert.Null(a.Status.DegradedReason);
            Assert.Equal([link.FirstInterface.Name], a.Status.Interfaces);
            Assert.Equal(0, a.Counters.DropCount("off-link (IP TTL not 255)"));
        }
    }

    [Fact]
    public async Task TwoDualStackNodes_UseBothFamilies_OfferedWithIpv4Address()
    {
        var unavailable = await NetnsTestBed.GetSkipReasonAsync(TestContext.Current.CancellationToken);
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        await using var link = await MdnsLink.CreateAsync(ipv4: true, ipv6: true, TestContext.Current.CancellationToken);
        using var threadA = link.First.StartThread();
        using var threadB = link.Second.StartThread();
        var options = new MdnsOptions { InterfacePollInterval = TimeSpan.FromMilliseconds(200) };
        var counters = new MdnsCounters();
        var sinkA = new RecordingSink();
        // The MdnsDiscovery made next owns the transport and disposes it.
#pragma warning disable CA2000
        var transportA = new UdpMdnsTransport(options, new FixedInterfaceProvider(link.FirstInterface), new NamespaceSocketFactory(threadA), TimeProvider.System, NullLogger.Instance, counters);
#pragma warning restore CA2000
        await using var a = new MdnsDiscovery(options, MdnsTestBed.Advertisement("aa01", "node"), sinkA, TimeProvider.System, NullLogger.Instance, transportA, counters);
        var (b, _) = CreateNode(threadB, link.SecondInterface, "bb02", 7002);
        await using (b)
        {
            await a.StartAsync(TestContext.Current.CancellationToken);
            await b.StartAsync(TestContext.Current.CancellationToken);
            await PollAsync(() => sinkA.Offers.Count > 0);

            // Both families joined and sending; the IPv4 address is preferred for the offer.
            Assert.Null(transportA.Ipv4DegradedReason);
            Assert.Null(transportA.Ipv6DegradedReason);
            Assert.Equal((new IPEndPoint(link.SecondInterface.Addresses[0], 7002), "bb02"), (sinkA.Offers[0].EndPoint, sinkA.Offers[0].NodeId));
            Assert.Equal([link.FirstInterface.Name], a.Status.Interfaces);
        }
    }

    [Fact]
    public async Task OffLinkIpv6Packet_HopLimitBelow255_IsDroppedAndCounted()
    {
        var unavailable = await NetnsTestBed.GetSkipReasonAsync(TestContext.Current.CancellationToken);
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        await using var link = await MdnsLink.CreateAsync(ipv4: false, ipv6: true, TestContext.Current.CancellationToken);
        using var threadA = link.First.StartThread();
        using var threadB = link.Second.StartThread();
        var (a, _) = CreateNode(threadA, link.FirstInterface, "aa01", 7001);
        await using (a)
        {
            await a.StartAsync(TestContext.Current.CancellationToken);
            var query = DnsMessageEncoder.Encode(DnsMessage.Query([new DnsQuestion(MdnsNames.PeerMeshService, DnsRecordType.Ptr)]));
            using var sender = threadB.Invoke(() => new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp));
            sender.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, link.SecondInterface.Index);
            sender.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, 64);

            // The group is joined when StartAsync returns, so one datagram each is enough.
            sender.SendTo(query, new IPEndPoint(UdpMdnsTransport.Group6, 5353));
            await PollAsync(() => a.Counters.DropCount("off-link (IP TTL not 255)") == 1);

            // The same query with hop limit 255 is on-link: received and not dropped.
            var packetsIn = a.Counters.PacketsIn;
            sender.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, 255);
            sender.SendTo(query, new IPEndPoint(UdpMdnsTransport.Group6, 5353));
            await PollAsync(() => a.Counters.PacketsIn > packetsIn);
            Assert.Equal(1, a.Counters.DropCount("off-link (IP TTL not 255)"));
        }
    }

    [Fact]
    public async Task Ipv6Unavailable_Ipv4Works_IsNotDegradedAndFindsPeer()
    {
        var unavailable = await NetnsTestBed.GetSkipReasonAsync(TestContext.Current.CancellationToken);
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        await using var link = await MdnsLink.CreateAsync(TestContext.Current.CancellationToken);
        using var threadA = link.First.StartThread();
        using var threadB = link.Second.StartThread();
        var options = new MdnsOptions { InterfacePollInterval = TimeSpan.FromMilliseconds(200) };
        var counters = new MdnsCounters();
        var sinkA = new RecordingSink();
        // The MdnsDiscovery made next owns the transport and disposes it.
#pragma warning disable CA2000
        var transport = new UdpMdnsTransport(options, new FixedInterfaceProvider(link.FirstInterface), new NoIpv6SocketFactory(new NamespaceSocketFactory(threadA)), TimeProvider.System, NullLogger.Instance, counters);
#pragma warning restore CA2000
        await using var a = new MdnsDiscovery(options, MdnsTestBed.Advertisement("aa01", "node"), sinkA, TimeProvider.System, NullLogger.Instance, transport, counters);
        var (b, _) = CreateNode(threadB, link.SecondInterface, "bb02", 7002);
        await using (b)
        {
            await a.StartAsync(TestContext.Current.CancellationToken);
            await b.StartAsync(TestContext.Current.CancellationToken);
            await PollAsync(() => sinkA.Offers.Count > 0);

            Assert.StartsWith("cannot open the IPv6 mDNS socket", transport.Ipv6DegradedReason, StringComparison.Ordinal);
            Assert.False(a.Status.Degraded);
            Assert.Null(a.Status.DegradedReason);
        }
    }

    [Fact]
    public async Task InterfaceAppearsLater_IsJoinedAndDegradedStatusClears()
    {
        var unavailable = await NetnsTestBed.GetSkipReasonAsync(TestContext.Current.CancellationToken);
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        await using var link = await MdnsLink.CreateAsync(TestContext.Current.CancellationToken);
        using var threadA = link.First.StartThread();
        using var threadB = link.Second.StartThread();
        var providerA = new FixedInterfaceProvider();
        var (a, sinkA) = CreateNode(threadA, providerA, "aa01", 7001);
        var (b, _) = CreateNode(threadB, link.SecondInterface, "bb02", 7002);
        await using (a)
        await using (b)
        {
            await a.StartAsync(TestContext.Current.CancellationToken);
            await b.StartAsync(TestContext.Current.CancellationToken);
            Assert.True(a.Status.Degraded);
            Assert.Equal("no up, multicast-capable interface with an IPv4 or IPv6 address", a.Status.DegradedReason);

            providerA.Set(link.FirstInterface);
            await PollAsync(() => sinkA.Offers.Count > 0);

            Assert.False(a.Status.Degraded);
            Assert.Equal("bb02", sinkA.Offers[0].NodeId);
        }
    }

    [Fact]
    public async Task SystemInterfaceProvider_InsideNamespace_ListsTheVethButNotLoopback()
    {
        var unavailable = await NetnsTestBed.GetSkipReasonAsync(TestContext.Current.CancellationToken);
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        await using var link = await MdnsLink.CreateAsync(TestContext.Current.CancellationToken);
        using var thread = link.First.StartThread();

        await link.First.IpAsync(TestContext.Current.CancellationToken, "link", "set", "lo", "multicast", "on");

        var listed = thread.Invoke(() => new SystemNetworkInterfaceProvider(includeLoopback: false).GetInterfaces());
        var withLoopback = thread.Invoke(() => new SystemNetworkInterfaceProvider(includeLoopback: true).GetInterfaces());

        // The veth's IPv6 link-local address is listed beside the IPv4 one, with the interface as its scope.
        var only = Assert.Single(listed);
        Assert.Equal((link.FirstInterface.Index, link.FirstInterface.Name), (only.Index, only.Name));
        Assert.Equal(link.FirstInterface.Addresses, only.Addresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork));
        var linkLocal = Assert.Single(only.Addresses, a => a.AddressFamily == AddressFamily.InterNetworkV6);
        Assert.True(linkLocal.IsIPv6LinkLocal);
        Assert.Equal(link.FirstInterface.Index, linkLocal.ScopeId);
        Assert.Equal(new[] { "lo", link.FirstInterface.Name }.Order(StringComparer.Ordinal), withLoopback.Select(i => i.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task LinkGoesDown_StatusSaysDegraded_AndRecoversWhenItComesBack()
    {
        var unavailable = await NetnsTestBed.GetSkipReasonAsync(TestContext.Current.CancellationToken);
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        await using var link = await MdnsLink.CreateAsync(TestContext.Current.CancellationToken);
        using var threadA = link.First.StartThread();
        var (a, _) = CreateNode(threadA, link.FirstInterface, "aa01", 7001);
        await using (a)
        {
            await a.StartAsync(TestContext.Current.CancellationToken);
            await PollAsync(() => a.Counters.PacketsOut > 3);
            Assert.False(a.Status.Degraded);

            await link.First.IpAsync(TestContext.Current.CancellationToken, "link", "set", link.FirstInterface.Name, "down");
            a.UpdateAdvertisement(MdnsTestBed.Advertisement("aa01", "node", gossipPort: 7005));
            await PollAsync(() => a.Status.Degraded);
            Assert.StartsWith("IPv4: sending to 224.0.0.251 fails", a.Status.DegradedReason, StringComparison.Ordinal);

            await link.First.IpAsync(TestContext.Current.CancellationToken, "link", "set", link.FirstInterface.Name, "up");
            a.UpdateAdvertisement(MdnsTestBed.Advertisement("aa01", "node", gossipPort: 7006));
            await PollAsync(() => !a.Status.Degraded);
        }
    }

    [Fact]
    public async Task PortTakenByNonSharingSocket_IsDegradedWithReason()
    {
        // A socket without SO_REUSEADDR on the wildcard address, as a responder that does not share would hold.
        using var blocker = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        blocker.Bind(new IPEndPoint(IPAddress.Any, 0));
        var port = ((IPEndPoint)blocker.LocalEndPoint!).Port;
        var options = new MdnsOptions { Port = port, ReceiveRestartDelay = TimeSpan.FromMilliseconds(100) };
        var counters = new MdnsCounters();

        // No interfaces: nothing is ever joined or sent on the host.
        // The MdnsDiscovery made next owns the transport and disposes it.
#pragma warning disable CA2000
        var transport = new UdpMdnsTransport(options, new FixedInterfaceProvider(), new MdnsSocketFactory(), TimeProvider.System, NullLogger.Instance, counters);
#pragma warning restore CA2000
        await using var node = new MdnsDiscovery(options, MdnsTestBed.Advertisement("aa01"), new RecordingSink(), TimeProvider.System, NullLogger.Instance, transport, counters);

        await node.StartAsync(TestContext.Current.CancellationToken);

        Assert.True(node.Status.Degraded);
        Assert.Equal($"IPv4: UDP port {port} (IPv4) is taken by a program that does not share it; IPv6: no up, multicast-capable interface with an IPv6 address", node.Status.DegradedReason);

        // When the port frees up the socket is opened by itself (no restart of the node); what is left
        // is only that this test gives it no interface (so nothing is ever sent on the host).
        blocker.Dispose();
        await PollAsync(() => node.Status.DegradedReason == "no up, multicast-capable interface with an IPv4 or IPv6 address");
        Assert.Equal(0, node.Counters.DropCount("receive loop restarted"));
    }

    /// <summary>A socket inside the namespace bound to <paramref name="address"/> on a non-mDNS port, sending with IP TTL 255.</summary>
    private static Socket LegacyResolver(NetnsThread thread, IPAddress address)
    {
        var socket = thread.Invoke(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.IpTimeToLive, 255);
        socket.Bind(new IPEndPoint(address, 0));
        return socket;
    }

    private static IPAddress Scoped(string address, int scope) => new(IPAddress.Parse(address).GetAddressBytes(), scope);

    private static (MdnsDiscovery Node, RecordingSink Sink) CreateNode(NetnsThread thread, MdnsInterface networkInterface, string nodeId, int gossipPort) =>
        CreateNode(thread, new FixedInterfaceProvider(networkInterface), nodeId, gossipPort);

    private static (MdnsDiscovery Node, RecordingSink Sink) CreateNode(NetnsThread thread, FixedInterfaceProvider provider, string nodeId, int gossipPort)
    {
        var options = new MdnsOptions { InterfacePollInterval = TimeSpan.FromMilliseconds(200) };
        var counters = new MdnsCounters();
        var sink = new RecordingSink();
        // The MdnsDiscovery made next owns the transport and disposes it.
#pragma warning disable CA2000
        var transport = new UdpMdnsTransport(options, provider, new NamespaceSocketFactory(thread), TimeProvider.System, NullLogger.Instance, counters);
#pragma warning restore CA2000
        var node = new MdnsDiscovery(options, MdnsTestBed.Advertisement(nodeId, "node", gossipPort: gossipPort), sink, TimeProvider.System, NullLogger.Instance, transport, counters);
        return (node, sink);
    }

    private static Task PollAsync(Func<bool> condition, [CallerArgumentExpression(nameof(condition))] string what = "") =>
        Poll.UntilAsync(what, condition, s_deadline, TestContext.Current.CancellationToken);
}
