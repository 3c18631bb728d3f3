using System.Net;

namespace PeerMesh.Discovery.Mdns;

/// <summary>
/// Sends and receives mDNS datagrams on a set of interfaces: real multicast sockets, or an in-memory
/// network in tests and benchmarks. Send methods never throw; they return false when the datagram was not sent.
/// </summary>
internal interface IMdnsTransport : IAsyncDisposable
{
    /// <summary>Interfaces currently usable.</summary>
    IReadOnlyList<MdnsInterface> Interfaces { get; }

    /// <summary>Why multicast does not work at all right now, or null when it does.</summary>
    string? DegradedReason { get; }

    Task StartAsync(IMdnsPacketHandler handler, CancellationToken cancellationToken);

    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>Multicasts to 224.0.0.251:5353 on one interface.</summary>
    bool SendMulticast(MdnsInterface networkInterface, ReadOnlyMemory<byte> packet);

    bool SendUnicast(MdnsInterface networkInterface, IPEndPoint destination, ReadOnlyMemory<byte> packet);
}
