using System.Net.Sockets;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Discovery.Mdns.Sockets;
using PeerMesh.TestSupport.Netns;

namespace PeerMesh.Benchmarks;

/// <summary>mDNS sockets opened inside a test bed host's namespace, on that host's one interface only.</summary>
internal sealed class NamespaceSockets(NetnsThread thread, MdnsInterface networkInterface) : IMdnsSocketFactory, INetworkInterfaceProvider
{
    public static MdnsInterface InterfaceOf(NetnsHost host) => new(host.InterfaceIndex, "eth0", [host.Address]);

    public Socket Create(AddressFamily addressFamily) => thread.Invoke(() => new Socket(addressFamily, SocketType.Dgram, ProtocolType.Udp));

    public IReadOnlyList<MdnsInterface> GetInterfaces() => [networkInterface];
}
