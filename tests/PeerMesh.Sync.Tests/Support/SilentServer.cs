using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>A TCP listener on loopback that accepts connections and never says anything (HOSTILE-INPUTS 27).</summary>
internal sealed class SilentServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<TcpClient> _clients = [];
    private readonly Task _accepting;

    public SilentServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public int Accepted => _clients.Count;

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                _clients.Add(await _listener.AcceptTcpClientAsync(_stop.Token));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        _stop.Dispose();
    }
}
