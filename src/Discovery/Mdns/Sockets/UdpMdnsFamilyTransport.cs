using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace PeerMesh.Discovery.Mdns.Sockets;

/// <summary>
/// mDNS for one address family: IPv4 on 224.0.0.251:5353 or IPv6 on [ff02::fb]:5353. One socket bound
/// to the port with SO_REUSEADDR and SO_REUSEPORT (so avahi or mDNSResponder keep working beside us),
/// joined on every usable interface, multicast TTL / hop limit 255. On Linux the received IP TTL / hop
/// limit is read so off-link packets can be dropped. The interface list is polled so interfaces that
/// come and go are followed; a faulted receive loop reopens the socket after a pause. When nothing can
/// work, <see cref="DegradedReason"/> says why.
/// </summary>
internal sealed class UdpMdnsFamilyTransport : IMdnsTransport
{
    public static readonly IPAddress Group4 = IPAddress.Parse("224.0.0.251");

    public static readonly IPAddress Group6 = IPAddress.Parse("ff02::fb");

    private readonly AddressFamily _family;
    private readonly IPAddress _group;

    private readonly MdnsOptions _options;
    private readonly INetworkInterfaceProvider _interfaceProvider;
    private readonly IMdnsSocketFactory _socketFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly MdnsCounters _counters;
    private readonly object _gate = new();
    // Held by a look at the interfaces. Never disposed: a poll callback already queued when the timer is disposed may
    // still run, and must find it usable.
    [SuppressMessage("Usage", "CA2213:Disposable fields should be disposed", Justification = "Holds no handle unless AvailableWaitHandle is read, which it never is; a late poll callback must find it usable.")]
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private bool _stopped; // under _refreshLock: a poll that starts after StopAsync does nothing
    private IReadOnlyList<MdnsInterface> _interfaces = [];
    private Socket? _socket;
    private IMdnsPacketHandler? _handler;
    private CancellationTokenSource? _cts;
    private Task? _receiveLoop;
    private ITimer? _pollTimer;
    private readonly Dictionary<int, string?> _lastSendError = [];
    private string? _socketError;
    private string? _joinError;

    public UdpMdnsFamilyTransport(AddressFamily family, MdnsOptions options, INetworkInterfaceProvider interfaceProvider, IMdnsSocketFactory socketFactory, TimeProvider timeProvider, ILogger logger, MdnsCounters counters)
    {
        _family = family;
        _group = family == AddressFamily.InterNetworkV6 ? Group6 : Group4;
        _options = options;
        _interfaceProvider = interfaceProvider;
        _socketFactory = socketFactory;
        _timeProvider = timeProvider;
        _logger = logger;
        _counters = counters;
    }

    public IReadOnlyList<MdnsInterface> Interfaces => Volatile.Read(ref _interfaces);

    public static string NoInterfaceReason(AddressFamily family) =>
        $"no up, multicast-capable interface with an {(family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4")} address";

    private bool IsV6 => _family == AddressFamily.InterNetworkV6;

    private string FamilyName => IsV6 ? "IPv6" : "IPv4";

    public string? DegradedReason
    {
        get
        {
            lock (_gate)
            {
                if (_socketError is not null)
                {
                    return _socketError;
                }

                if (_joinError is not null)
                {
                    return _joinError;
                }

                if (_interfaces.Count == 0)
                {
                    return _handler is not null ? NoInterfaceReason(_family) : null;
                }

                // Multicast blocked (firewall, link down): degraded while the last send on every interface failed.
                var errors = _interfaces.Select(i => _lastSendError.GetValueOrDefault(i.Index)).ToList();
                return errors.All(e => e is not null) ? $"sending to {_group} fails ({errors[0]})" : null;
            }
        }
    }

    public Task StartAsync(IMdnsPacketHandler handler, CancellationToken cancellationToken)
    {
        _handler = handler;
        _cts = new CancellationTokenSource();
        _stopped = false;
        TryOpenSocket();
        Refresh(notify: false);
        _receiveLoop = ReceiveLoopAsync(_cts.Token);
        _pollTimer = _timeProvider.CreateTimer(_ => Refresh(notify: true), null, _options.InterfacePollInterval, _options.InterfacePollInterval);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _pollTimer?.Dispose();
        _pollTimer = null;

        // A poll may be running on the timer's thread (listing interfaces can take a while): wait for it, so nothing
        // of this transport runs once it is stopped. An unhandled exception in it would abort the node.
        await _refreshLock.WaitAsync(CancellationToken.None);
        _stopped = true;
        _refreshLock.Release();
        if (_cts is null)
        {
            return;
        }

        await _cts.CancelAsync();
        CloseSocket();
        if (_receiveLoop is not null)
        {
            try
            {
                await _receiveLoop.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _cts.Dispose();
        _cts = null;
        _handler = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    public bool SendMulticast(MdnsInterface networkInterface, ReadOnlyMemory<byte> packet)
    {
        var local = networkInterface.Addresses.FirstOrDefault(a => a.AddressFamily == _family);
        lock (_gate)
        {
            if (_socket is null || local is null || !_interfaces.Any(i => i.Index == networkInterface.Index))
            {
                return false;
            }

            try
            {
                // The outgoing interface is per socket; sends are serialised under the lock.
                if (IsV6)
                {
                    _socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, networkInterface.Index);
                }
                else
                {
                    _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, local.GetAddressBytes());
                }

                _socket.SendTo(packet.Span, SocketFlags.None, new IPEndPoint(_group, _options.Port));
                _lastSendError[networkInterface.Index] = null;
                return true;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                _logger.LogDebug(ex, "mDNS send on {Interface} failed", networkInterface.Name);
                _lastSendError[networkInterface.Index] = $"{networkInterface.Name}: {ex.Message}";
                return false;
            }
        }
    }

    public bool SendUnicast(MdnsInterface networkInterface, IPEndPoint destination, ReadOnlyMemory<byte> packet)
    {
        lock (_gate)
        {
            if (_socket is null || destination.AddressFamily != _family)
            {
                return false;
            }

            try
            {
                _socket.SendTo(packet.Span, SocketFlags.None, destination);
                return true;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                _logger.LogDebug(ex, "mDNS unicast to {Destination} failed", destination);
                return false;
            }
        }
    }

    private bool TryOpenSocket()
    {
        Socket? socket = null;
        try
        {
            socket = _socketFactory.Create(_family);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            SetReusePort(socket);
            if (IsV6)
            {
                // v6-only so the IPv4 socket keeps the IPv4 traffic (no v4-mapped duplicates here).
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.IPv6Only, true);
                socket.Bind(new IPEndPoint(IPAddress.IPv6Any, _options.Port));
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, 255);
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.IpTimeToLive, 255);
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, true);
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.PacketInformation, true);
                if (OperatingSystem.IsLinux())
                {
                    LinuxRecvMsg.EnableReceiveHopLimit(socket);
                }
            }
            else
            {
                socket.Bind(new IPEndPoint(IPAddress.Any, _options.Port));
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, 255);
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.IpTimeToLive, 255);

                // Loop on: a second responder on this host (avahi, another node) must hear us.
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
                if (OperatingSystem.IsLinux())
                {
                    LinuxRecvMsg.EnableReceiveTtl(socket);
                }
            }

            lock (_gate)
            {
                _socket = socket;
                _socketError = null;
            }

            return true;
        }
        catch (Exception ex) when (ex is SocketException or PlatformNotSupportedException)
        {
            socket?.Dispose();
            lock (_gate)
            {
                _socketError = ex is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
                    ? $"UDP port {_options.Port} ({FamilyName}) is taken by a program that does not share it"
                    : $"cannot open the {FamilyName} mDNS socket on UDP port {_options.Port}: {ex.Message}";
            }

            return false;
        }
    }

    private static void SetReusePort(Socket socket)
    {
        Span<byte> one = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(one, 1);
        if (OperatingSystem.IsLinux())
        {
            socket.SetRawSocketOption(1, 15, one);
        }
        else if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            socket.SetRawSocketOption(0xFFFF, 0x200, one);
        }
    }

    private void CloseSocket()
    {
        lock (_gate)
        {
            _socket?.Dispose();
            _socket = null;
            _interfaces = [];
        }
    }

    /// <summary>Re-reads the interface list; joins the group on new interfaces and leaves it on gone ones.</summary>
    private void Refresh(bool notify)
    {
        if (!_refreshLock.Wait(0))
        {
            return;
        }

        try
        {
            if (_stopped)
            {
                return;
            }

            IReadOnlyList<MdnsInterface> changed;
            IReadOnlyList<MdnsInterface> wanted;
            try
            {
                // Only interfaces with an address of this family: it is the source of our packets there.
                wanted = _interfaceProvider.GetInterfaces().Where(i => i.Addresses.Any(a => a.AddressFamily == _family)).ToList();
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Listing network interfaces failed");
                return;
            }

            lock (_gate)
            {
                if (_socket is null)
                {
                    return;
                }

                var joined = new List<MdnsInterface>();
                string? lastError = null;
                foreach (var networkInterface in wanted)
                {
                    var already = _interfaces.Any(i => i.Index == networkInterface.Index);
                    if (!already && !TryJoin(_socket, networkInterface, _group, out lastError))
                    {
                        continue;
                    }

                    joined.Add(networkInterface);
                }

                foreach (var gone in _interfaces.Where(i => !wanted.Any(w => w.Index == i.Index)))
                {
                    try
                    {
                        if (IsV6)
                        {
                            _socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.DropMembership, new IPv6MulticastOption(_group, gone.Index));
                        }
                        else
                        {
                            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.DropMembership, new MulticastOption(_group, gone.Index));
                        }
                    }
                    catch (SocketException)
                    {
                        // The interface is already gone; so is its membership.
                    }
                }

                _joinError = joined.Count == 0 && wanted.Count > 0 ? $"joining {_group} failed on every interface ({lastError})" : null;
                if (joined.SequenceEqual(_interfaces))
                {
                    return;
                }

                _interfaces = joined;
                changed = joined;
            }

            if (notify)
            {
                _handler?.OnInterfacesChanged(changed); // under the refresh lock, so never after StopAsync
            }
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    private static bool TryJoin(Socket socket, MdnsInterface networkInterface, IPAddress group, out string? error)
    {
        try
        {
            if (group.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(group, networkInterface.Index));
            }
            else
            {
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(group, networkInterface.Index));
            }

            error = null;
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // Already a member (e.g. the same interface listed twice).
            error = null;
            return true;
        }
        catch (SocketException ex)
        {
            error = $"{networkInterface.Name}: {ex.Message}";
            return false;
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[9000];
        var reopenDelay = _options.ReceiveRestartDelay;
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket? socket;
            lock (_gate)
            {
                socket = _socket;
            }

            try
            {
                if (socket is null)
                {
                    // The socket could not be opened (port taken, no permission): already reported as
                    // degraded once; retry quietly with back-off so it recovers when the port frees up.
                    await Task.Delay(reopenDelay, _timeProvider, cancellationToken);
                    reopenDelay = TimeSpan.FromTicks(Math.Min(reopenDelay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                    if (TryOpenSocket())
                    {
                        reopenDelay = _options.ReceiveRestartDelay;
                        Refresh(notify: true);
                    }

                    continue;
                }

                while (!cancellationToken.IsCancellationRequested)
                {
                    var packet = await ReceiveAsync(socket, buffer, _family, cancellationToken);
                    if (packet is not null)
                    {
                        _handler?.OnPacket(packet);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                _counters.Drop("receive loop restarted");
                _logger.ReceiveFaulted(ex, IsV6 ? $"[::]:{_options.Port}" : $"0.0.0.0:{_options.Port}");
                try
                {
                    await Task.Delay(_options.ReceiveRestartDelay, _timeProvider, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                lock (_gate)
                {
                    if (_socket == socket)
                    {
                        _socket?.Dispose();
                        _socket = null;
                        _interfaces = [];
                    }
                }

                if (TryOpenSocket())
                {
                    Refresh(notify: true);
                }
            }
        }
    }

    private static async ValueTask<MdnsPacket?> ReceiveAsync(Socket socket, byte[] buffer, AddressFamily family, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            var any = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
            var result = await socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, new IPEndPoint(any, 0), cancellationToken);
            return new MdnsPacket(buffer.AsSpan(0, result.ReceivedBytes).ToArray(), (IPEndPoint)result.RemoteEndPoint, result.PacketInformation.Interface, null);
        }

        // Wait until a datagram is queued, then read it with recvmsg for the TTL / hop limit.
        await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.Peek, cancellationToken);
        if (!LinuxRecvMsg.TryReceive(socket, buffer, out var length, out var source, out var interfaceIndex, out var ttl))
        {
            return null;
        }

        return new MdnsPacket(buffer.AsSpan(0, length).ToArray(), source, interfaceIndex, ttl);
    }
}
