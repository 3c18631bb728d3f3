using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;

namespace PeerMesh.Discovery.Mdns;

/// <summary>A network interface mDNS runs on, with the addresses advertised on it as A/AAAA records.</summary>
/// <param name="Networks">
/// The prefixes on the interface's link (each address with its prefix length). Default when the source
/// of the interface list cannot tell; then no source-address check is made and only the IP TTL marks
/// a packet as off-link.
/// </param>
internal sealed record MdnsInterface(int Index, string Name, ImmutableArray<IPAddress> Addresses, ImmutableArray<IPNetwork> Networks = default)
{
    private static readonly IPNetwork s_ipv4LinkLocal = new(IPAddress.Parse("169.254.0.0"), 16);

    /// <summary>
    /// RFC 6762 11: whether a packet from <paramref name="source"/> can have been sent on this interface's
    /// link: within one of its prefixes, or link-local (fe80::/10, 169.254/16, never routed).
    /// </summary>
    public bool IsOnLink(IPAddress source)
    {
        if (Networks.IsDefault)
        {
            return true;
        }

        var address = source.IsIPv4MappedToIPv6 ? source.MapToIPv4() : source;
        if (address.IsIPv6LinkLocal || s_ipv4LinkLocal.Contains(address))
        {
            return true;
        }

        foreach (var network in Networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The prefix <paramref name="address"/> lies in (host bits cleared, scope dropped).</summary>
    public static IPNetwork NetworkOf(IPAddress address, int prefixLength)
    {
        var bytes = address.GetAddressBytes();
        var bits = Math.Clamp(prefixLength, 0, bytes.Length * 8);
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(bits - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPNetwork(new IPAddress(bytes), bits);
    }

    /// <summary>The prefixes of <paramref name="addresses"/>, each with its prefix length.</summary>
    public static ImmutableArray<IPNetwork> NetworksOf(IEnumerable<(IPAddress Address, int PrefixLength)> addresses) =>
        addresses
            .Where(a => a.Address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            .Select(a => NetworkOf(a.Address, a.PrefixLength))
            .Distinct()
            .ToImmutableArray();

    public bool Equals(MdnsInterface? other) =>
        other is not null
        && Index == other.Index
        && Name == other.Name
        && Addresses.SequenceEqual(other.Addresses)
        && Networks.IsDefault == other.Networks.IsDefault
        && (Networks.IsDefault || Networks.SequenceEqual(other.Networks));

    public override int GetHashCode() => HashCode.Combine(Index, Name, Addresses.Length);
}
