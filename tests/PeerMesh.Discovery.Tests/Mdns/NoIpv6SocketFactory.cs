using System.Net.Sockets;
using PeerMesh.Discovery.Mdns.Sockets;

namespace PeerMesh.Discovery.Tests.Mdns;

/// <summary>A host with IPv6 disabled: creating an IPv6 socket fails as the kernel would refuse it.</summary>
internal sealed class NoIpv6SocketFactory(IMdnsSocketFactory inner) : IMdnsSocketFactory
{
    public Socket Create(AddressFamily addressFamily) =>
        addressFamily == AddressFamily.InterNetworkV6
            ? throw new SocketException((int)SocketError.AddressFamilyNotSupported)
            : inner.Create(addressFamily);
}
