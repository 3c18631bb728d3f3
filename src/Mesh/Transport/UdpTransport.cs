using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace PeerMesh.Mesh.Transport;

/// <summary>
/// Real UDP (IPv4, IPv6, or dual stack when bound to IPv6Any). Owns one receive loop task that survives
/// socket errors (HOSTILE 25: it logs, pauses briefly and keeps receiving).
/// </summary>
internal sealed partial class UdpTransport : ITransport
{
    private const int ReceiveBufferBytes = 65536;

    private readonly Socket _socket;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Action<ReceivedDatagram>? _receiver;
    private Task? _loop;
    private long _sendFailures;
    private long _receiveFailures;

    private UdpTransport(Socket socket, TimeProvider time, ILogger logger)
    {
        _socket = socket;
        _time = time;
        _logger = logger;
        LocalEndPoint = Normalize((IPEndPoint)socket.LocalEndPoint!);
    }

    public IPEndPoint LocalEndPoint { get; }

    public long SendFailures => Interlocked.Read(ref _sendFailures);

    public long ReceiveFailures => Interlocked.Read(ref _receiveFailures);

    public bool IsLocalAddress(IPAddress address)
    {
        address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (IPAddress.IsLoopback(address) || address.Equals(LocalEndPoint.Address))
        {
            return true;
        }

        // Compared as bytes: interface addresses carry IPv6 scope ids, addresses from the wire do not.
        var bytes = address.GetAddressBytes();
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                .Any(u => u.Address.GetAddressBytes().AsSpan().SequenceEqual(bytes));
        }
        catch (NetworkInformationException)
        {
            return false;
        }
    }

    /// <summary>Binds to <paramref name="address"/>:<paramref name="port"/> (0 = any free port). Throws <see cref="SocketException"/> if taken.</summary>
    public static UdpTransport Bind(IPAddress address, int port, TimeProvider time, ILogger logger)
    {
        if (address.Equals(IPAddress.IPv6Any) && !Socket.OSSupportsIPv6)
        {
            // Dual stack asked for on a host without IPv6: listen on every IPv4 address instead.
            address = IPAddress.Any;
        }

        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(new IPEndPoint(address, port));
            return new UdpTransport(socket, time, logger);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Start(Action<ReceivedDatagram> receiver)
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("already started");
        }

        _receiver = receiver;
        _loop = ReceiveLoopAsync(_stop.Token);
    }

    public bool Send(IPEndPoint destination, ReadOnlySpan<byte> datagram)
    {
        if (_stop.IsCancellationRequested)
        {
            return false;
        }

        try
        {
            var target = destination;
            if (_socket.AddressFamily == AddressFamily.InterNetworkV6 && destination.AddressFamily == AddressFamily.InterNetwork)
            {
                target = new IPEndPoint(destination.Address.MapToIPv6(), destination.Port);
            }

            _socket.SendTo(datagram, SocketFlags.None, target);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or ArgumentException)
        {
            Interlocked.Increment(ref _sendFailures);
            LogSendFailed(destination, ex.Message);
            return false;
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _socket.Dispose();
        _stop.Dispose();
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        var buffer = new byte[ReceiveBufferBytes];
        EndPoint any = _socket.AddressFamily == AddressFamily.InterNetworkV6
            ? new IPEndPoint(IPAddress.IPv6Any, 0)
            : new IPEndPoint(IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveFromResult result;
            try
            {
                result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex)
            {
                // E.g. ICMP port unreachable surfacing on the socket: keep receiving, but do not spin.
                Interlocked.Increment(ref _receiveFailures);
                LogReceiveFailed(ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                continue;
            }

            try
            {
                _receiver!(new ReceivedDatagram(Normalize((IPEndPoint)result.RemoteEndPoint), buffer.AsMemory(0, result.ReceivedBytes)));
            }
            catch (Exception ex)
            {
                // The receiver promises not to throw; if it does, the loop must still survive.
                LogReceiverFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "gossip send to {Destination} failed: {Error}")]
    private partial void LogSendFailed(IPEndPoint destination, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "gossip receive failed: {Error}; continuing")]
    private partial void LogReceiveFailed(string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "gossip receiver threw; continuing")]
    private partial void LogReceiverFailed(Exception exception);
}
