using System.Net;
using PeerMesh.Mesh.Transport;

namespace PeerMesh.Fuzz.Targets;

/// <summary>A transport that hands the fuzz input to the node's receive callback and drops whatever the node sends.</summary>
internal sealed class CapturingTransport : ITransport
{
    private Action<ReceivedDatagram>? _receiver;

    public IPEndPoint LocalEndPoint { get; } = new(IPAddress.Parse("10.0.0.1"), 7946);

    public long Sent { get; private set; }

    public bool IsLocalAddress(IPAddress address) => address.Equals(LocalEndPoint.Address);

    public void Start(Action<ReceivedDatagram> receiver) => _receiver = receiver;

    public void Deliver(IPEndPoint source, ReadOnlyMemory<byte> data) =>
        (_receiver ?? throw new InvalidOperationException("the node has not started"))(new ReceivedDatagram(source, data));

    public bool Send(IPEndPoint destination, ReadOnlySpan<byte> datagram)
    {
        Sent++;
        return true;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _receiver = null;
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
