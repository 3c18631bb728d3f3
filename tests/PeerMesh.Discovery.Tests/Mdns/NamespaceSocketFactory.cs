using System.Net.Sockets;
using PeerMesh.Discovery.Mdns.Sockets;
using PeerMesh.TestSupport.Netns;

namespace PeerMesh.Discovery.Tests.Mdns;

/// <summary>Creates sockets on a thread that lives in a network namespace.</summary>
internal sealed class NamespaceSocketFactory(NetnsThread thread) : IMdnsSocketFactory
{
    public Socket Create(AddressFamily addressFamily) =>
        thread.Invoke(() => new Socket(addressFamily, SocketType.Dgram, ProtocolType.Udp));
}
