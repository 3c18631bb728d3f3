using System.Net;
using System.Net.Sockets;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>
/// A TCP proxy on loopback in front of a real git daemon that passes the daemon's answer on in small chunks with a
/// pause between them: a real fetch that takes long enough to be watched while it runs.
/// </summary>
internal sealed class ThrottledProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _upstreamPort;
    private readonly int _chunkBytes;
    private readonly TimeSpan _pause;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;

    public ThrottledProxy(int upstreamPort, int chunkBytes, TimeSpan pause)
    {
        _upstreamPort = upstreamPort;
        _chunkBytes = chunkBytes;
        _pause = pause;
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
                    _connections.Add(ProxyAsync(client));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
        }
    }

    private async Task ProxyAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
                var toUpstream = client.GetStream().CopyToAsync(upstream.GetStream(), _stop.Token);
                var fromUpstream = TrickleAsync(upstream.GetStream(), client.GetStream());
                await Task.WhenAny(toUpstream, fromUpstream);
                await fromUpstream;
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
            }
        }
    }

    private async Task TrickleAsync(Stream from, Stream to)
    {
        var buffer = new byte[_chunkBytes];
        while (true)
        {
            var read = await from.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            await Task.Delay(_pause, _stop.Token);
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
