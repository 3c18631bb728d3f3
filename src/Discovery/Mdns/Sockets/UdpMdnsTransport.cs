using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace PeerMesh.Discovery.Mdns.Sockets;

/// <summary>
/// mDNS on both families: IPv4 224.0.0.251:5353 and IPv6 [ff02::fb]:5353 (RFC 6762), one
/// <see cref="UdpMdnsFamilyTransport"/> each. Multicasts go out on every family the interface has;
/// unicasts on the destination's family; packets from either reach the handler. Degraded only when
/// neither family works: a host without IPv6 is normal and only logged at debug level.
/// </summary>
internal sealed class UdpMdnsTransport : IMdnsTransport
{
    public static readonly IPAddress Group = UdpMdnsFamilyTransport.Group4;

    public static readonly IPAddress Group6 = UdpMdnsFamilyTransport.Group6;

    private readonly UdpMdnsFamilyTransport _v4;
    private readonly UdpMdnsFamilyTransport _v6;
    private readonly ILogger _logger;
    private readonly MdnsCounters _counters;
    private readonly object _gate = new();
    private string? _lastV6Reason;
    private IMdnsPacketHandler? _handler;

    public UdpMdnsTransport(MdnsOptions options, INetworkInterfaceProvider interfaceProvider, IMdnsSocketFactory socketFactory, TimeProvider timeProvider, ILogger logger, MdnsCounters counters)
    {
        _logger = logger;
        _counters = counters;
        _v4 = new UdpMdnsFamilyTransport(AddressFamily.InterNetwork, options, interfaceProvider, socketFactory, timeProvider, logger, counters);
        _v6 = new UdpMdnsFamilyTransport(AddressFamily.InterNetworkV6, options, interfaceProvider, socketFactory, timeProvider, logger, counters);
    }

    public IReadOnlyList<MdnsInterface> Interfaces => Merge(_v4.Interfaces, _v6.Interfaces);

    /// <summary>Why IPv4 mDNS does not work, or null.</summary>
    public string? Ipv4DegradedReason => _v4.DegradedReason;

    /// <summary>Why IPv6 mDNS does not work, or null.</summary>
    public string? Ipv6DegradedReason => _v6.DegradedReason;

    public string? DegradedReason
    {
        get
        {
            var v4 = _v4.DegradedReason;
            var v6 = _v6.DegradedReason;
            lock (_gate)
            {
                if (v6 is not null && v6 != _lastV6Reason && _handler is not null)
                {
                    _logger.LogDebug("IPv6 mDNS unavailable: {Reason}", v6);
                }

                _lastV6Reason = v6;
            }

            if (v4 is null || v6 is null)
            {
                return null;
            }

            return v4 == NoInterface(AddressFamily.InterNetwork) && v6 == NoInterface(AddressFamily.InterNetworkV6)
                ? "no up, multicast-capable interface with an IPv4 or IPv6 address"
                : $"IPv4: {v4}; IPv6: {v6}";
        }
    }

    public async Task StartAsync(IMdnsPacketHandler handler, CancellationToken cancellationToken)
    {
        _handler = handler;
        var forward = new Forwarder(this, handler);
        await _v4.StartAsync(forward, cancellationToken);
        await _v6.StartAsync(forward, cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _v4.StopAsync(cancellationToken);
        await _v6.StopAsync(cancellationToken);
        _handler = null;
    }

    public async ValueTask DisposeAsync()
    {
        await _v4.DisposeAsync();
        await _v6.DisposeAsync();
    }

    public bool SendMulticast(MdnsInterface networkInterface, ReadOnlyMemory<byte> packet)
    {
        // Both, not short-circuited: a listener may hear only one family.
        var sent4 = _v4.SendMulticast(networkInterface, packet);
        var sent6 = _v6.SendMulticast(networkInterface, packet);
        if (sent4 && sent6)
        {
            // The caller counts one datagram for a true return; the second family's copy is counted here
            // so bytes-out stays the real traffic.
            _counters.Sent(packet.Length);
        }

        return sent4 || sent6;
    }

    public bool SendUnicast(MdnsInterface networkInterface, IPEndPoint destination, ReadOnlyMemory<byte> packet) =>
        destination.AddressFamily == AddressFamily.InterNetworkV6
            ? _v6.SendUnicast(networkInterface, destination, packet)
            : _v4.SendUnicast(networkInterface, destination, packet);

    private static string NoInterface(AddressFamily family) => UdpMdnsFamilyTransport.NoInterfaceReason(family);

    /// <summary>One entry per interface index; the IPv4 side's view wins when both list it.</summary>
    private static List<MdnsInterface> Merge(IReadOnlyList<MdnsInterface> v4, IReadOnlyList<MdnsInterface> v6) =>
        [.. v4, .. v6.Where(i => !v4.Any(f => f.Index == i.Index))];

    private sealed class Forwarder(UdpMdnsTransport owner, IMdnsPacketHandler inner) : IMdnsPacketHandler
    {
        public void OnPacket(MdnsPacket packet) => inner.OnPacket(packet);

        public void OnInterfacesChanged(IReadOnlyList<MdnsInterface> interfaces) => inner.OnInterfacesChanged(owner.Interfaces);
    }
}
