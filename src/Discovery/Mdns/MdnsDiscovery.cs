using Microsoft.Extensions.Logging;
using PeerMesh.Discovery.Dns;
using PeerMesh.Discovery.Mdns.Sockets;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Discovery.Mdns;

/// <summary>
/// mDNS/DNS-SD discovery for one node: advertises <c>_peermesh._udp</c> and one <c>_git._tcp</c> per
/// served repository, browses for other nodes of the same mesh and offers them to the mesh as join
/// candidates (<see cref="DiscoverySource.Mdns"/>). Owns its transport; Start/Stop/DisposeAsync.
/// If multicast cannot work, <see cref="Status"/> says degraded (one warning is logged) and nothing else breaks.
/// </summary>
internal sealed class MdnsDiscovery : IAsyncDisposable, IMdnsPacketHandler
{
    private readonly object _gate = new();
    private readonly MdnsOptions _options;
    private readonly IJoinCandidateSink _sink;
    private readonly ILogger _logger;
    private readonly IMdnsTransport _transport;
    private readonly MdnsCounters _counters;
    private readonly MdnsScheduler _scheduler;
    private readonly MdnsResponder _responder;
    private readonly MdnsBrowser _browser;
    private readonly MdnsSourceRateLimiter _rateLimiter;
    private readonly MdnsTimerSlot _healthTimer;
    private string? _warnedReason;
    private bool _started;
    private bool _stopped;

    /// <summary>Creates discovery on the real multicast sockets of every up, multicast-capable interface.</summary>
    public MdnsDiscovery(MdnsOptions options, MdnsAdvertisement advertisement, IJoinCandidateSink sink, TimeProvider timeProvider, ILogger<MdnsDiscovery> logger)
        : this(options, advertisement, sink, timeProvider, logger, transport: null)
    {
    }

    /// <summary>For tests and benchmarks: any transport (in-memory, or sockets pinned to chosen interfaces).</summary>
    public MdnsDiscovery(
        MdnsOptions options,
        MdnsAdvertisement advertisement,
        IJoinCandidateSink sink,
        TimeProvider timeProvider,
        ILogger logger,
        IMdnsTransport? transport,
        MdnsCounters? counters = null,
        Random? random = null)
    {
        options.Validate();
        _options = options;
        _sink = sink;
        _logger = logger;
        _counters = counters ?? new MdnsCounters();
        _transport = transport ?? new UdpMdnsTransport(options, new SystemNetworkInterfaceProvider(options.IncludeLoopback), new MdnsSocketFactory(), timeProvider, logger, _counters);
        _scheduler = new MdnsScheduler(timeProvider, _gate, logger);
        _rateLimiter = new MdnsSourceRateLimiter(options.MaxPacketsPerSourcePerSecond, timeProvider);

        // Health changes that no event reports (sends starting or stopping to fail) are noticed on this tick.
        _healthTimer = new MdnsTimerSlot(_scheduler, () =>
        {
            ReportHealth();
            _healthTimer!.Arm(options.InterfacePollInterval);
        });
        random ??= Random.Shared;
        _responder = new MdnsResponder(options, advertisement, _transport, _scheduler, _counters, logger, random);
        _browser = new MdnsBrowser(options, advertisement, _transport, _scheduler, _counters, logger, random);
    }

    public MdnsCounters Counters => _counters;

    internal MdnsResponder Responder => _responder;

    internal MdnsBrowser Browser => _browser;

    public MdnsStatus Status
    {
        get
        {
            if (!_options.Enabled)
            {
                return MdnsStatus.Disabled;
            }

            lock (_gate)
            {
                var reason = _transport.DegradedReason;
                return new MdnsStatus(
                    true,
                    reason is not null,
                    reason,
                    _responder.InstanceLabel,
                    _transport.Interfaces.Select(i => i.Name).ToList(),
                    _counters.PacketsIn,
                    _counters.PacketsOut,
                    _counters.BytesIn,
                    _counters.BytesOut,
                    _browser.Peers.Count,
                    _counters.Drops);
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled || _started)
        {
            return;
        }

        _started = true;
        await _transport.StartAsync(this, cancellationToken);
        lock (_gate)
        {
            _responder.Start();
            _browser.Start();
            _healthTimer.Arm(_options.InterfacePollInterval);
        }

        ReportHealth();
    }

    /// <summary>Says goodbye (TTL 0 for all our records), then closes the sockets.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_started || _stopped)
            {
                return;
            }

            _stopped = true;
            _healthTimer.Disarm();
            _responder.Stop();
            _browser.Stop();
        }

        _scheduler.Dispose();
        await _transport.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _scheduler.Dispose();
        _healthTimer.Dispose();
        _browser.Dispose();
        await _transport.DisposeAsync();
    }

    /// <summary>The node's name, ports or repositories changed: re-probe new names, re-announce, goodbye for removed ones.</summary>
    public void UpdateAdvertisement(MdnsAdvertisement advertisement)
    {
        List<MdnsPeer> offers;
        lock (_gate)
        {
            _responder.Update(advertisement);
            _browser.Update(advertisement);
            offers = _browser.TakeOffers();
        }

        Offer(offers);
    }

    void IMdnsPacketHandler.OnPacket(MdnsPacket packet)
    {
        try
        {
            HandlePacket(packet);
        }
        catch (Exception ex)
        {
            // Never let one datagram end the receive loop.
            _counters.Drop("handler error");
            _logger.LogError(ex, "mDNS packet handling failed");
        }
    }

    void IMdnsPacketHandler.OnInterfacesChanged(IReadOnlyList<MdnsInterface> interfaces)
    {
        _logger.InterfacesChanged(string.Join(", ", interfaces.Select(i => i.Name)));
        lock (_gate)
        {
            if (!_started || _stopped)
            {
                return;
            }

            _responder.OnInterfacesChanged();
            _browser.OnInterfacesChanged();
        }

        ReportHealth();
    }

    private void HandlePacket(MdnsPacket packet)
    {
        _counters.Received(packet.Data.Length);
        if (!_rateLimiter.TryAcquire(packet.Source.Address))
        {
            _counters.Drop("source over rate limit");
            return;
        }

        // RFC 6762 11: on-link senders use TTL 255; anything else was routed here.
        if (packet.IpTtl is { } ttl && ttl != 255)
        {
            _counters.Drop("off-link (IP TTL not 255)");
            return;
        }

        if (!DnsMessageParser.TryParse(packet.Data, out var message, out var error))
        {
            _counters.Drop(error);
            return;
        }

        if (message.Opcode != 0 || message.ResponseCode != 0)
        {
            // RFC 6762 18.3, 18.11: messages with another opcode or rcode are silently ignored.
            _counters.Drop("ignored: opcode or rcode not 0");
            return;
        }

        List<MdnsPeer> offers;
        lock (_gate)
        {
            if (!_started || _stopped)
            {
                return;
            }

            var networkInterface = _transport.Interfaces.FirstOrDefault(i => i.Index == packet.InterfaceIndex);
            if (networkInterface is null)
            {
                _counters.Drop("unknown interface");
                return;
            }

            // RFC 6762 11: a source outside the link's prefixes was routed here (or spoofed), whatever its TTL.
            if (!networkInterface.IsOnLink(packet.Source.Address))
            {
                _counters.Drop("off-link source");
                return;
            }

            if (message.IsResponse)
            {
                if (packet.Source.Port != _options.Port)
                {
                    // RFC 6762 6: responses not from port 5353 are not mDNS responses.
                    _counters.Drop("response not from the mDNS port");
                    return;
                }

                _responder.OnResponse(message);
                _browser.OnResponse(message, packet, networkInterface);
            }
            else
            {
                _responder.OnQuery(message, packet, networkInterface);
            }

            offers = _browser.TakeOffers();
        }

        Offer(offers);
    }

    private void Offer(List<MdnsPeer> offers)
    {
        foreach (var peer in offers)
        {
            try
            {
                _sink.OfferCandidate(peer.GossipEndPoint, DiscoverySource.Mdns, peer.NodeId);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Join candidate sink failed for {EndPoint}", peer.GossipEndPoint);
            }
        }
    }

    /// <summary>One warning per new degraded reason; one line when it recovers.</summary>
    private void ReportHealth()
    {
        var reason = _transport.DegradedReason;
        lock (_gate)
        {
            if (reason == _warnedReason)
            {
                return;
            }

            if (reason is not null)
            {
                _logger.Degraded(reason);
            }
            else
            {
                _logger.Recovered();
            }

            _warnedReason = reason;
        }
    }
}
