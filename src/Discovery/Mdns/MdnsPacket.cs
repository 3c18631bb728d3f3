using System.Net;

namespace PeerMesh.Discovery.Mdns;

/// <summary>A received datagram.</summary>
/// <param name="Data">The UDP payload.</param>
/// <param name="Source">Sender address and port.</param>
/// <param name="InterfaceIndex">The interface it arrived on.</param>
/// <param name="IpTtl">The IP TTL / hop limit it arrived with, when the socket can tell; 255 means on-link.</param>
internal sealed record MdnsPacket(byte[] Data, IPEndPoint Source, int InterfaceIndex, int? IpTtl);
