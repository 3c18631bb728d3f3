using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LibGit2Sharp;
using PeerMesh.Sync.Remotes;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// One git:// connection: connects on first use, sends the <c>git-upload-pack</c> request line, then relays bytes
/// between libgit2 and the socket. Reads wait in short polls that check the fetch's abort signal; an abort or a
/// cancellation also closes the socket, which ends a blocked send.
/// </summary>
internal sealed class GitProtocolStream : SmartSubtransportStream
{
    private const int BufferSize = 64 * 1024;
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_connectPoll = TimeSpan.FromMilliseconds(10);
    private static readonly byte[] s_one = BitConverter.GetBytes(1);
    private const int IpProtoTcp = 6;
    private const int TcpQuickAck = 12;

    /// <summary>Wait before a second connect attempt (then doubled): well above a LAN's round trip, well below TCP's 1 s SYN retry.</summary>
    public static readonly TimeSpan HedgeDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>Connect attempts at most in flight for one connection.</summary>
    public const int MaxConnectAttempts = 4;

    private readonly string _url;
    private readonly GitTransportContext? _context;
    private readonly byte[] _buffer = new byte[BufferSize];
    private Socket? _socket;
    private CancellationTokenRegistration _onAbort;
    private CancellationTokenRegistration _onCancel;

    public GitProtocolStream(SmartSubtransport subtransport, string url, GitTransportContext? context)
        : base(subtransport)
    {
        _url = url;
        _context = context;
    }

    public override int Read(Stream dataStream, long length, out long bytesRead)
    {
        bytesRead = 0;
        var socket = Connect();
        try
        {
            // Without a fetch context (not one of our fetches) the socket's own receive timeout bounds the wait.
            while (_context is not null && !socket.Poll(s_poll, SelectMode.SelectRead))
            {
                ThrowIfAborted();
            }

            ThrowIfAborted();
            QuickAck(socket);
            var count = socket.Receive(_buffer, 0, (int)Math.Min(length, BufferSize), SocketFlags.None);
            if (count > 0)
            {
                _context?.Progress.OnPeerBytes(count);
                dataStream.Write(_buffer, 0, count);
            }

            bytesRead = count;
            return 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw Fail(e);
        }
    }

    public override int Write(Stream dataStream, long length)
    {
        var socket = Connect();
        try
        {
            var remaining = length;
            while (remaining > 0)
            {
                ThrowIfAborted();
                var count = dataStream.Read(_buffer, 0, (int)Math.Min(remaining, BufferSize));
                if (count <= 0)
                {
                    break;
                }

                SendAll(socket, _buffer, count);
                remaining -= count;
            }

            return 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw Fail(e);
        }
    }

    protected override void Free()
    {
        _onAbort.Dispose();
        _onCancel.Dispose();
        _socket?.Dispose();
        _socket = null;
        base.Free();
    }

    /// <summary>
    /// Linux: acknowledge at once what arrives next (TCP_QUICKACK; the kernel clears it again, so per read). Why:
    /// upload-pack writes its negotiation answers as several small packets without TCP_NODELAY, so Nagle holds the
    /// second until the first is acknowledged, and a delayed ACK costs 40 ms per negotiation round.
    /// </summary>
    private static void QuickAck(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            socket.SetRawSocketOption(IpProtoTcp, TcpQuickAck, s_one);
        }
        catch (SocketException)
        {
            // Not supported here: only the latency suffers.
        }
    }

    private static void SendAll(Socket socket, byte[] buffer, int count)
    {
        var sent = 0;
        while (sent < count)
        {
            sent += socket.Send(buffer, sent, count - sent, SocketFlags.None);
        }
    }

    private Socket Connect()
    {
        if (_socket is not null)
        {
            return _socket;
        }

        if (!RemoteUrl.TryParse(_url, out var peer, out var path))
        {
            throw Fail(new FetchFailedException(FetchErrorKind.NotManaged, "not a managed git:// URL"));
        }

        var connectTimeout = _context?.ConnectTimeout ?? TimeSpan.FromSeconds(10);
        var socket = ConnectHedged(peer!, connectTimeout);
        _socket = socket;
        socket.ReceiveTimeout = (int)TimeSpan.FromSeconds(60).TotalMilliseconds;
        if (_context is not null)
        {
            socket.SendTimeout = (int)Math.Clamp(_context.IdleTimeout.TotalMilliseconds, 1, int.MaxValue);

            // Closing the socket is what interrupts a blocked send.
            _onAbort = _context.Progress.Aborted.Register(socket.Dispose);
            _onCancel = _context.CancellationToken.Register(socket.Dispose);
        }

        ThrowIfAborted();
        try
        {
            var request = RequestLine(peer!, path!);
            SendAll(socket, request, request.Length);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw Fail(e);
        }

        return socket;
    }

    /// <summary>
    /// Connects with non-blocking attempts, starting another one when none has completed after
    /// <see cref="HedgeDelay"/> (then twice that, ...), the first to connect wins. Why: git daemon listens with a
    /// backlog of 5; when several peers fetch at once (every peer, right after a commit) the kernel drops the SYNs
    /// that overflow it, and the client's first retransmission comes only after 1 s. A new attempt gets in as soon
    /// as the daemon has accepted the earlier ones. A refusal ends it at once (nothing listens).
    /// </summary>
    private Socket ConnectHedged(IPEndPoint peer, TimeSpan connectTimeout)
    {
        var timeProvider = _context?.TimeProvider ?? TimeProvider.System;
        var started = timeProvider.GetTimestamp();
        var attempts = new List<Socket>(MaxConnectAttempts);
        var nextAttempt = TimeSpan.Zero;
        var hedge = HedgeDelay;
        try
        {
            while (true)
            {
                var elapsed = timeProvider.GetElapsedTime(started);
                if (attempts.Count < MaxConnectAttempts && elapsed >= nextAttempt)
                {
                    attempts.Add(StartConnect(peer));
                    nextAttempt = elapsed + hedge;
                    hedge *= 2;
                }

                var writable = new List<Socket>(attempts);
                var failed = new List<Socket>(attempts);
                Socket.Select(null, writable, failed, (int)s_connectPoll.TotalMicroseconds);
                foreach (var attempt in writable.Concat(failed).Distinct().ToList())
                {
                    var error = (SocketError)(int)attempt.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
                    if (error == SocketError.Success)
                    {
                        // Writable without a pending error: connected.
                        attempts.Remove(attempt);
                        attempt.Blocking = true;
                        return attempt;
                    }

                    attempts.Remove(attempt);
                    attempt.Dispose();
                    if (error == SocketError.ConnectionRefused || attempts.Count == 0)
                    {
                        throw new SocketException((int)error);
                    }
                }

                ThrowIfAborted();
                if (timeProvider.GetElapsedTime(started) >= connectTimeout)
                {
                    throw Fail(new FetchFailedException(
                        FetchErrorKind.NoAnswer,
                        $"no answer to connect for {Math.Ceiling(connectTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)} s"));
                }
            }
        }
        catch (SocketException e)
        {
            throw Fail(e);
        }
        finally
        {
            foreach (var attempt in attempts)
            {
                attempt.Dispose();
            }
        }
    }

    private static Socket StartConnect(IPEndPoint peer)
    {
        var socket = new Socket(peer.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, Blocking = false };
        try
        {
            socket.Connect(peer);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            // Connecting: Select reports it.
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return socket;
    }

    /// <summary>The git protocol's first pkt-line: "git-upload-pack PATH\0host=HOST\0".</summary>
    private static byte[] RequestLine(IPEndPoint peer, string path)
    {
        var host = peer.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{peer.Address}]" : peer.Address.ToString();
        var payload = $"git-upload-pack {path}\0host={host}:{peer.Port.ToString(CultureInfo.InvariantCulture)}\0";
        var length = 4 + Encoding.ASCII.GetByteCount(payload);
        return Encoding.ASCII.GetBytes(length.ToString("x4", CultureInfo.InvariantCulture) + payload);
    }

    private bool IsAborted() =>
        _context is not null && (_context.Progress.AbortReason != FetchAbortReason.None || _context.CancellationToken.IsCancellationRequested);

    private void ThrowIfAborted()
    {
        if (IsAborted())
        {
            throw new LibGit2SharpException("fetch aborted");
        }
    }

    /// <summary>Records why the connection failed (plain words for status) and returns the exception for libgit2.</summary>
    private LibGit2SharpException Fail(Exception e)
    {
        if (IsAborted())
        {
            return new LibGit2SharpException("fetch aborted", e);
        }

        var failure = e switch
        {
            FetchFailedException f => f,
            SocketException { SocketErrorCode: SocketError.ConnectionRefused } => new FetchFailedException(FetchErrorKind.ConnectionRefused, "connection refused", e),
            SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock } =>
                new FetchFailedException(FetchErrorKind.NoAnswer, $"no answer for {Math.Ceiling((_context?.IdleTimeout ?? TimeSpan.Zero).TotalSeconds).ToString(CultureInfo.InvariantCulture)} s", e),
            SocketException { SocketErrorCode: SocketError.HostUnreachable } => new FetchFailedException(FetchErrorKind.NetworkError, "host unreachable", e),
            SocketException { SocketErrorCode: SocketError.NetworkUnreachable } => new FetchFailedException(FetchErrorKind.NetworkError, "network unreachable", e),
            SocketException { SocketErrorCode: SocketError.ConnectionReset } => new FetchFailedException(FetchErrorKind.NetworkError, "connection reset by the peer", e),
            SocketException s => new FetchFailedException(FetchErrorKind.NetworkError, "network error: " + s.SocketErrorCode, e),
            _ => new FetchFailedException(FetchErrorKind.NetworkError, "connection closed", e),
        };
        if (_context is not null)
        {
            _context.Failure ??= failure;
        }

        return new LibGit2SharpException(failure.Message, e);
    }
}
