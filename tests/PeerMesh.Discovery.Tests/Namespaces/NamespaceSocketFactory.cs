using System.Net.Sockets;
using PeerMesh.Discovery.Mdns.Sockets;

namespace PeerMesh.Discovery.Tests.Namespaces;

/// <summary>Creates sockets on a thread that lives in a network namespace.</summary>
internal sealed class NamespaceSocketFactory(NamespaceThread thread) : IMdnsSocketFactory
{
    public Socket Create(AddressFamily addressFamily) =>
        thread.Invoke(() => new Socket(addressFamily, SocketType.Dgram, ProtocolType.Udp));
}
