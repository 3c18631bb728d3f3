using System.Net;

namespace PeerMesh.Mesh.Transport;

/// <summary>
/// Datagram transport of the gossip mesh (memberlist's Transport). Callback based so that the in-memory
/// network can deliver synchronously from fake timers: tests then need no waiting for background loops.
/// </summary>
internal interface ITransport : IAsyncDisposable
{
    /// <summary>The bound address and port (the actual port when 0 was asked for).</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>True when <paramref name="address"/> is one of this host's addresses (where the node's packets can come from).</summary>
    bool IsLocalAddress(IPAddress address);

    /// <summary>Starts delivering datagrams to <paramref name="receiver"/> (one at a time). The receiver must not throw.</summary>
    void Start(Action<ReceivedDatagram> receiver);

    /// <summary>Best effort send; never throws (failures are counted by the caller's statistics via the return value).</summary>
    bool Send(IPEndPoint destination, ReadOnlySpan<byte> datagram);

    /// <summary>Stops receiving; sends after this are dropped.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
