namespace PeerMesh.Discovery.Mdns.Sockets;

/// <summary>Lists the interfaces mDNS should run on. Injectable so tests can pin interfaces (e.g. inside a network namespace).</summary>
internal interface INetworkInterfaceProvider
{
    IReadOnlyList<MdnsInterface> GetInterfaces();
}
