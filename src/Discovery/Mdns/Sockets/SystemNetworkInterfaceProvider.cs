using System.Collections.Immutable;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace PeerMesh.Discovery.Mdns.Sockets;

/// <summary>Every up, multicast-capable interface with an IPv4 or IPv6 address, listing both families and their prefixes (loopback only when asked).</summary>
internal sealed class SystemNetworkInterfaceProvider(bool includeLoopback) : INetworkInterfaceProvider
{
    public IReadOnlyList<MdnsInterface> GetInterfaces()
    {
        var result = new List<MdnsInterface>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            var isLoopback = nic.NetworkInterfaceType == NetworkInterfaceType.Loopback;
            if ((isLoopback && !includeLoopback) || !nic.SupportsMulticast)
            {
                continue;
            }

            // Some virtual links (tun, veth in a fresh namespace) report Unknown while passing traffic.
            if (nic.OperationalStatus is not (OperationalStatus.Up or OperationalStatus.Unknown))
            {
                continue;
            }

            var properties = nic.GetIPProperties();
            var unicast = properties.UnicastAddresses
                .Where(a => a.Address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                .ToList();
            var addresses = unicast.Select(a => a.Address).ToImmutableArray();
            if (addresses.IsEmpty)
            {
                continue;
            }

            var index = InterfaceIndex(properties);
            if (index is null)
            {
                continue;
            }

            // The prefixes tell which sources are on this link (RFC 6762 11).
            var networks = MdnsInterface.NetworksOf(unicast.Select(a => (a.Address, a.PrefixLength)));
            result.Add(new MdnsInterface(index.Value, nic.Name, addresses, networks));
        }

        return result;
    }

    /// <summary>The kernel's index, from whichever family is enabled on the interface.</summary>
    private static int? InterfaceIndex(IPInterfaceProperties properties)
    {
        try
        {
            return properties.GetIPv4Properties().Index;
        }
        catch (NetworkInformationException)
        {
        }

        try
        {
            return properties.GetIPv6Properties().Index;
        }
        catch (NetworkInformationException)
        {
            return null;
        }
    }
}
