using System.Collections.Immutable;
using System.Net;
using PeerMesh.Discovery.Mdns;
using PeerMesh.TestSupport.Netns;

namespace PeerMesh.Discovery.Tests.Mdns;

/// <summary>
/// Two hosts of a <see cref="NetnsTestBed"/> on one link and the mDNS interface (eth0) each has: a private LAN, so
/// real multicast never touches the host's interfaces. The bed removes everything at dispose.
/// </summary>
internal sealed class MdnsLink : IAsyncDisposable
{
    private MdnsLink(NetnsTestBed bed, MdnsInterface firstInterface, MdnsInterface secondInterface)
    {
        Bed = bed;
        FirstInterface = firstInterface;
        SecondInterface = secondInterface;
    }

    public NetnsTestBed Bed { get; }

    public NetnsHost First => Bed.Hosts[0];

    public NetnsHost Second => Bed.Hosts[1];

    public MdnsInterface FirstInterface { get; }

    public MdnsInterface SecondInterface { get; }

    public static Task<MdnsLink> CreateAsync(CancellationToken cancellationToken) => CreateAsync(ipv4: true, ipv6: false, cancellationToken);

    /// <param name="ipv4">Each end has 198.18.0.1 / .2 and a route for 224.0.0.0/4, listed in its interface.</param>
    /// <param name="ipv6">
    /// Each end has a fixed link-local address (fe80::1 / fe80::2, no DAD so it is usable at once) and a route for
    /// ff02::/16, listed in its interface. Without it the kernel's own link-local appears, but is not listed, so tests
    /// stay IPv4-only.
    /// </param>
    public static async Task<MdnsLink> CreateAsync(bool ipv4, bool ipv6, CancellationToken cancellationToken)
    {
        var bed = await NetnsTestBed.CreateAsync(2, new NetnsTestBedOptions { Ipv4 = ipv4, FixedIpv6LinkLocal = ipv6 }, cancellationToken);
        return new MdnsLink(bed, InterfaceOf(bed.Hosts[0], ipv4), InterfaceOf(bed.Hosts[1], ipv4));
    }

    public ValueTask DisposeAsync() => Bed.DisposeAsync();

    private static MdnsInterface InterfaceOf(NetnsHost host, bool ipv4)
    {
        const string Device = "eth0";
        var index = host.InterfaceIndex;
        var addresses = ImmutableArray.CreateBuilder<IPAddress>();
        var networks = ImmutableArray.CreateBuilder<IPNetwork>();
        if (ipv4)
        {
            addresses.Add(host.Address);
            networks.Add(MdnsInterface.NetworkOf(host.Address, 24));
        }

        if (host.LinkLocalAddress is { } linkLocal)
        {
            addresses.Add(new IPAddress(linkLocal.GetAddressBytes(), index));
            networks.Add(MdnsInterface.NetworkOf(linkLocal, 64));
        }

        return new MdnsInterface(index, Device, addresses.ToImmutable(), networks.ToImmutable());
    }
}
