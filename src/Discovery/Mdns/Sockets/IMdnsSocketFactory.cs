using System.Net.Sockets;

namespace PeerMesh.Discovery.Mdns.Sockets;

/// <summary>Creates the UDP sockets. Injectable so a test can create them inside a network namespace.</summary>
internal interface IMdnsSocketFactory
{
    Socket Create(AddressFamily addressFamily);
}
