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

    /// <param name="ipv4">Each end gets 198.18.N.1 / .2 and a route for 224.0.0.0/4.</param>
    /// <param name="ipv6">
    /// Each end gets a fixed link-local address (fe80::1 / fe80::2, no DAD so it is usable at once)
    /// and a route for ff02::/16. Without it the kernel's own link-local appears, but is not listed
    /// in <see cref="FirstInterface"/> / <see cref="SecondInterface"/>, so tests stay IPv4-only.
    /// </param>
    public static async Task<VethLink> CreateAsync(bool ipv4 = true, bool ipv6 = false)
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
            var a = await ConfigureAsync(first, ifA, ipv4 ? $"198.18.{subnet}.1" : null, ipv6 ? "fe80::1" : null);
            var b = await ConfigureAsync(second, ifB, ipv4 ? $"198.18.{subnet}.2" : null, ipv6 ? "fe80::2" : null);
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

    private static async Task<MdnsInterface> ConfigureAsync(NetworkNamespace ns, string link, string? ipv4, string? ipv6)
    {
        var index = await ns.InterfaceIndexAsync(link);
        var addresses = ImmutableArray.CreateBuilder<IPAddress>();
        var networks = ImmutableArray.CreateBuilder<IPNetwork>();
        if (ipv6 is not null)
        {
            // Our own link-local instead of the generated one: known in advance and without DAD delay.
            await ns.RunCheckedAsync("ip", "link", "set", link, "addrgenmode", "none");
        }

        if (ipv4 is not null)
        {
            await ns.RunCheckedAsync("ip", "addr", "add", ipv4 + "/24", "dev", link);
            addresses.Add(IPAddress.Parse(ipv4));
            networks.Add(MdnsInterface.NetworkOf(IPAddress.Parse(ipv4), 24));
        }

        await ns.RunCheckedAsync("ip", "link", "set", link, "up");
        if (ipv4 is not null)
        {
            await ns.RunCheckedAsync("ip", "route", "add", "224.0.0.0/4", "dev", link);
        }

        if (ipv6 is not null)
        {
            await ns.RunCheckedAsync("ip", "-6", "addr", "add", ipv6 + "/64", "dev", link, "nodad");
            await ns.RunAsync("ip", "-6", "route", "add", "ff02::/16", "dev", link);
            addresses.Add(new IPAddress(IPAddress.Parse(ipv6).GetAddressBytes(), index));
            networks.Add(MdnsInterface.NetworkOf(IPAddress.Parse(ipv6), 64));
        }

        return new MdnsInterface(index, link, addresses.ToImmutable(), networks.ToImmutable());
    }
}
