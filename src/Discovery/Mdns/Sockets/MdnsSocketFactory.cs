using System.Net.Sockets;

namespace PeerMesh.Discovery.Mdns.Sockets;

/// <summary>Plain UDP sockets in the calling process's network namespace.</summary>
internal sealed class MdnsSocketFactory : IMdnsSocketFactory
{
    public Socket Create(AddressFamily addressFamily) => new(addressFamily, SocketType.Dgram, ProtocolType.Udp);
}
