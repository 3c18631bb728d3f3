using System.Collections.Immutable;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace PeerMesh.Discovery.Mdns.Sockets;

/// <summary>Every up, multicast-capable interface with an IPv4 or IPv6 address, listing both families (loopback only when asked).</summary>
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
            var addresses = properties.UnicastAddresses
                .Select(a => a.Address)
                .Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                .ToImmutableArray();
            if (addresses.IsEmpty)
            {
                continue;
            }

            var index = InterfaceIndex(properties);
            if (index is null)
            {
                continue;
            }

            result.Add(new MdnsInterface(index.Value, nic.Name, addresses));
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
