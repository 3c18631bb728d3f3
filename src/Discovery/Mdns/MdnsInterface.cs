using System.Collections.Immutable;
using System.Net;

namespace PeerMesh.Discovery.Mdns;

/// <summary>A network interface mDNS runs on, with the addresses advertised on it as A/AAAA records.</summary>
internal sealed record MdnsInterface(int Index, string Name, ImmutableArray<IPAddress> Addresses)
{
    public bool Equals(MdnsInterface? other) =>
        other is not null && Index == other.Index && Name == other.Name && Addresses.SequenceEqual(other.Addresses);

    public override int GetHashCode() => HashCode.Combine(Index, Name, Addresses.Length);
}
