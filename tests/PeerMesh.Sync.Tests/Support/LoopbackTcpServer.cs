using System.Net;
using System.Net.Sockets;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>
/// A TCP listener on loopback that serves every connection concurrently with <see cref="ServeAsync"/>, until
/// disposed; disposing waits for every connection to end.
/// </summary>
internal abstract class LoopbackTcpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private Task _accepting = Task.CompletedTask;

    protected LoopbackTcpServer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
    }

    public int Port { get; }

    /// <summary>Cancelled when the server is disposed.</summary>
    protected CancellationToken Stopping => _stop.Token;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections);
        _stop.Dispose();
    }

    /// <summary>Serves one connection; owns and disposes <paramref name="client"/>.</summary>
    protected abstract Task ServeAsync(TcpClient client);

    /// <summary>Called by the derived constructor once its own fields are set.</summary>
    protected void StartAccepting() => _accepting = AcceptAsync();

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_connections)
                {
                    _connections.Add(ServeAsync(client));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
        }
    }
}
