using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>
/// A listener in front of a real git daemon whose accept queue is full at first, like git daemon's (backlog 5)
/// when every peer fetches at once: the kernel drops new SYNs, and a plain connect only gets in with TCP's SYN
/// retransmission after 1 s. <see cref="Drain"/> accepts the queue and from then on proxies every connection.
/// </summary>
internal sealed class FullBacklogServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly int _upstreamPort;
    private readonly List<Socket> _fillers = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private Task? _accepting;

    public FullBacklogServer(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
    }

    public int Port { get; }

    /// <summary>When the first proxied connection (not a filler) was accepted, on this server's clock.</summary>
    public TimeSpan? FirstServedAt { get; private set; }

    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Connects fillers until one does not complete within 200 ms: the queue is full and SYNs are dropped.</summary>
    public async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < 16; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _fillers.Add(filler);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMilliseconds(200));
            try
            {
                await filler.ConnectAsync(IPEndPoint.Parse("127.0.0.1:" + Port), timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Its SYN was dropped: full. This half-open filler must not get in later.
                _fillers.Remove(filler);
                filler.Dispose();
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True while some socket of this machine's namespace waits in SYN-SENT on this server's port: a connect whose SYN
    /// the full queue dropped (the fillers that did not get in are closed). From /proc/net/tcp, where each line is
    /// "SL: LOCAL REMOTE STATE ..." with addresses as HEXIP:HEXPORT and state 02 for SYN-SENT.
    /// </summary>
    public bool HasDroppedConnect()
    {
        var remote = ":" + Port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
        return File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(fields => fields.Length > 3 && fields[2].EndsWith(remote, StringComparison.Ordinal) && fields[3] == "02");
    }

    /// <summary>Accepts what is queued (fillers first, closed at once) and proxies every later connection to the daemon.</summary>
    public void Drain()
    {
        foreach (var filler in _fillers)
        {
            filler.Dispose();
        }

        _accepting = AcceptAsync();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptAsync(_stop.Token);
                lock (_connections)
                {
                    _connections.Add(ProxyAsync(client));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ProxyAsync(Socket client)
    {
        using var stream = new NetworkStream(client, ownsSocket: true);
        using var upstream = new TcpClient();
        try
        {
            // A filler was closed before it was accepted: it reads as EOF at once and is dropped here.
            var first = new byte[4];
            var read = await stream.ReadAsync(first, _stop.Token);
            if (read == 0)
            {
                return;
            }

            lock (_connections)
            {
                FirstServedAt ??= _clock.Elapsed;
            }

            await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
            var up = upstream.GetStream();
            await up.WriteAsync(first.AsMemory(0, read), _stop.Token);
            var toUpstream = stream.CopyToAsync(up, _stop.Token);
            var fromUpstream = up.CopyToAsync(stream, _stop.Token);
            await Task.WhenAny(toUpstream, fromUpstream);
            await fromUpstream;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        if (_accepting is not null)
        {
            await _accepting;
        }

        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections);
        foreach (var filler in _fillers)
        {
            filler.Dispose();
        }

        _stop.Dispose();
    }
}
