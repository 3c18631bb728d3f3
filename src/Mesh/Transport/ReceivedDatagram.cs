using System.Net;

namespace PeerMesh.Mesh.Transport;

/// <summary>A datagram as received. <see cref="Data"/> is only valid during the receive callback.</summary>
internal readonly record struct ReceivedDatagram(IPEndPoint Source, ReadOnlyMemory<byte> Data);
