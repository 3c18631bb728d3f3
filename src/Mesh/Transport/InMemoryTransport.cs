using System.Net;

namespace PeerMesh.Mesh.Transport;

/// <summary>One host's endpoint on an <see cref="InMemoryNetwork"/>.</summary>
internal sealed class InMemoryTransport : ITransport
{
    private readonly InMemoryNetwork _network;
    private Action<ReceivedDatagram>? _receiver;
    private bool _stopped;

    internal InMemoryTransport(InMemoryNetwork network, IPEndPoint endPoint)
    {
        _network = network;
        LocalEndPoint = endPoint;
    }

    public IPEndPoint LocalEndPoint { get; }

    public bool IsLocalAddress(IPAddress address) => address.Equals(LocalEndPoint.Address);

    public void Start(Action<ReceivedDatagram> receiver) => _receiver = receiver;

    public bool Send(IPEndPoint destination, ReadOnlySpan<byte> datagram)
    {
        if (_stopped)
        {
            return false;
        }

        _network.Send(LocalEndPoint, destination, datagram);
        return true;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopped = true;
        _network.Detach(LocalEndPoint);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));

    internal void Deliver(ReceivedDatagram datagram)
    {
        if (!_stopped)
        {
            _receiver?.Invoke(datagram);
        }
    }
}
