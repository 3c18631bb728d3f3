using PeerMesh.Discovery.Mdns;
using PeerMesh.Discovery.Mdns.Sockets;

namespace PeerMesh.Discovery.Tests.Mdns;

/// <summary>An interface list the test sets (enumeration would read the host's namespace, not the test's).</summary>
internal sealed class FixedInterfaceProvider(params MdnsInterface[] interfaces) : INetworkInterfaceProvider
{
    private volatile MdnsInterface[] _interfaces = interfaces;

    public void Set(params MdnsInterface[] interfaces) => _interfaces = interfaces;

    public IReadOnlyList<MdnsInterface> GetInterfaces() => _interfaces;
}
