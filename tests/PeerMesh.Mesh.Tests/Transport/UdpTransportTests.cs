using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Mesh.Transport;
using Xunit;

namespace PeerMesh.Mesh.Tests.Transport;

public sealed class UdpTransportTests
{
    [Fact]
    public async Task Bind_PortZero_ReportsBoundPort()
    {
        await using var transport = UdpTransport.Bind(IPAddress.Loopback, 0, TimeProvider.System, NullLogger<UdpTransport>.Instance);

        Assert.NotEqual(0, transport.LocalEndPoint.Port);
        Assert.Equal(IPAddress.Loopback, transport.LocalEndPoint.Address);
    }

    [Fact]
    public async Task Receive_ReceiverThrows_LoopKeepsReceiving()
    {
        await using var a = UdpTransport.Bind(IPAddress.Loopback, 0, TimeProvider.System, NullLogger<UdpTransport>.Instance);
        await using var b = UdpTransport.Bind(IPAddress.Loopback, 0, TimeProvider.System, NullLogger<UdpTransport>.Instance);
        var received = Channel.CreateUnbounded<byte>();
        b.Start(d =>
        {
            var first = d.Data.Span[0];
            received.Writer.TryWrite(first);
            if (first == 1)
            {
                throw new InvalidOperationException("receiver bug");
            }
        });
        a.Start(_ => { });

        Assert.True(a.Send(b.LocalEndPoint, [1]));
        Assert.Equal(1, await received.Reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.True(a.Send(b.LocalEndPoint, [2]));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        Assert.Equal(2, await received.Reader.ReadAsync(timeout.Token));
    }

    [Fact]
    public async Task Send_AfterStop_ReturnsFalse()
    {
        await using var a = UdpTransport.Bind(IPAddress.Loopback, 0, TimeProvider.System, NullLogger<UdpTransport>.Instance);
        a.Start(_ => { });

        await a.StopAsync(TestContext.Current.CancellationToken);

        Assert.False(a.Send(new IPEndPoint(IPAddress.Loopback, 9), [1]));
    }
}
