using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>
/// A TCP listener on loopback that answers every connection with the header of a huge pkt-line and then one byte
/// every 200 ms, forever (HOSTILE-INPUTS 27: a peer that trickles).
/// </summary>
internal sealed class TrickleServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;

    public TrickleServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_connections)
                {
                    _connections.Add(TrickleAsync(client));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
        }
    }

    private async Task TrickleAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                await stream.WriteAsync(Encoding.ASCII.GetBytes("fff0"), _stop.Token);
                while (true)
                {
                    await Task.Delay(200, _stop.Token);
                    await stream.WriteAsync("a"u8.ToArray(), _stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections);
        _stop.Dispose();
    }
}
