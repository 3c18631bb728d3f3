using System.Collections.Immutable;
using System.Net;
using PeerMesh.Discovery.Mdns;

namespace PeerMesh.Discovery.Tests.Namespaces;

/// <summary>
/// Two namespaces joined by a veth pair on 198.18.N.0/24, each with a multicast route on its end:
/// a private two-host LAN, so real multicast never touches the host's interfaces.
/// </summary>
internal sealed class VethLink : IAsyncDisposable
{
    private VethLink(NetworkNamespace first, NetworkNamespace second, MdnsInterface firstInterface, MdnsInterface secondInterface)
    {
        First = first;
        Second = second;
        FirstInterface = firstInterface;
        SecondInterface = secondInterface;
    }

    public NetworkNamespace First { get; }

    public NetworkNamespace Second { get; }

    public MdnsInterface FirstInterface { get; }

    public MdnsInterface SecondInterface { get; }

    /// <param name="ipv6Only">
    /// No IPv4 at all (so IPv4 multicast cannot work): each end gets only a fixed link-local address
    /// (fe80::1 / fe80::2, no DAD so it is usable at once) and a route for ff02::/16.
    /// </param>
    public static async Task<VethLink> CreateAsync(bool ipv6Only = false)
    {
        var first = await NetworkNamespace.CreateAsync("pm-mdns");
        NetworkNamespace? second = null;
        try
        {
            second = await NetworkNamespace.CreateAsync("pm-mdns");
            var subnet = Random.Shared.Next(100, 250);
            var suffix = first.Name[^5..];
            var (ifA, ifB) = ($"pmma{suffix}", $"pmmb{suffix}");
            await ProcessRunner.RunCheckedAsync("ip", "link", "add", ifA, "netns", first.Name, "type", "veth", "peer", "name", ifB, "netns", second.Name);
            var a = ipv6Only ? await ConfigureIpv6Async(first, ifA, "fe80::1") : await ConfigureAsync(first, ifA, $"198.18.{subnet}.1");
            var b = ipv6Only ? await ConfigureIpv6Async(second, ifB, "fe80::2") : await ConfigureAsync(second, ifB, $"198.18.{subnet}.2");
            return new VethLink(first, second, a, b);
        }
        catch
        {
            await first.DisposeAsync();
            if (second is not null)
            {
                await second.DisposeAsync();
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
    }

    private static async Task<MdnsInterface> ConfigureAsync(NetworkNamespace ns, string link, string address)
    {
        await ns.RunCheckedAsync("ip", "addr", "add", address + "/24", "dev", link);
        await ns.RunCheckedAsync("ip", "link", "set", link, "up");
        await ns.RunCheckedAsync("ip", "route", "add", "224.0.0.0/4", "dev", link);
        return new MdnsInterface(await ns.InterfaceIndexAsync(link), link, ImmutableArray.Create(IPAddress.Parse(address)));
    }

    private static async Task<MdnsInterface> ConfigureIpv6Async(NetworkNamespace ns, string link, string address)
    {
        // Our own link-local instead of the generated one: known in advance and without DAD delay.
        await ns.RunCheckedAsync("ip", "link", "set", link, "addrgenmode", "none");
        await ns.RunCheckedAsync("ip", "link", "set", link, "up");
        await ns.RunCheckedAsync("ip", "-6", "addr", "add", address + "/64", "dev", link, "nodad");
        await ns.RunAsync("ip", "-6", "route", "add", "ff02::/16", "dev", link);
        var index = await ns.InterfaceIndexAsync(link);
        return new MdnsInterface(index, link, ImmutableArray.Create(new IPAddress(IPAddress.Parse(address).GetAddressBytes(), index)));
    }
}
