using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using PeerMesh.Discovery.Dns;

namespace PeerMesh.Discovery.Mdns;

/// <summary>
/// The browser half (RFC 6762 5.2, 10; RFC 6763 4): queries for <c>_peermesh._udp.local</c> with the
/// RFC back-off and cache refresh at 80-95 % of the TTL, keeps a cache, and turns every resolved
/// instance of our mesh (not ourselves) into a join candidate. Not thread-safe: runs under the discovery lock.
/// </summary>
internal sealed class MdnsBrowser : IDisposable
{
    private const int MaxNodeIdLength = 64;

    private readonly MdnsOptions _options;
    private readonly IMdnsTransport _transport;
    private readonly MdnsScheduler _scheduler;
    private readonly MdnsCounters _counters;
    private readonly ILogger _logger;
    private readonly MdnsCache _cache;
    private readonly Dictionary<DnsName, MdnsPeer> _offered = [];
    private readonly Dictionary<DnsName, TimeSpan> _resolveAskedAt = [];
    private readonly List<MdnsPeer> _pendingOffers = [];
    private MdnsAdvertisement _advertisement;
    private string _meshHash;
    private TimeSpan _interval;
    private TimeSpan _nextBackoffQuery;
    private readonly MdnsTimerSlot _queryTimer;
    private readonly MdnsTimerSlot _expiryTimer;
    private bool _running;

    public MdnsBrowser(MdnsOptions options, MdnsAdvertisement advertisement, IMdnsTransport transport, MdnsScheduler scheduler, MdnsCounters counters, ILogger logger, Random random)
    {
        _options = options;
        _advertisement = advertisement;
        _meshHash = MdnsMeshHash.Compute(advertisement.MeshId);
        _transport = transport;
        _scheduler = scheduler;
        _counters = counters;
        _logger = logger;
        _cache = new MdnsCache(options.MaxCacheEntries, random);
        _interval = options.QueryInterval;
        _queryTimer = new MdnsTimerSlot(scheduler, () =>
        {
            QueryNow();
            RearmQuery();
        });
        _expiryTimer = new MdnsTimerSlot(scheduler, () =>
        {
            if (_cache.RemoveExpired(Now) > 0)
            {
                Evaluate();
            }

            RearmExpiry();
        });
    }

    /// <summary>Peers of our mesh currently resolved from the cache.</summary>
    public IReadOnlyCollection<MdnsPeer> Peers => _offered.Values;

    public MdnsCache Cache => _cache;

    private TimeSpan Now => MdnsClock.Now(_scheduler.Time);

    /// <summary>Sends the first query now, before the responder has probed anything (see <see cref="StartSeries"/>).</summary>
    public void Start()
    {
        _running = true;
        StartSeries();
    }

    public void Stop()
    {
        _running = false;
        _queryTimer.Disarm();
        _expiryTimer.Disarm();
    }

    public void Dispose()
    {
        _queryTimer.Dispose();
        _expiryTimer.Dispose();
    }

    public void Update(MdnsAdvertisement advertisement)
    {
        _advertisement = advertisement;
        _meshHash = MdnsMeshHash.Compute(advertisement.MeshId);
        _offered.Clear();
        Evaluate();
    }

    /// <summary>An interface came or changed: a new series, as at start.</summary>
    public void OnInterfacesChanged()
    {
        if (_running)
        {
            StartSeries();
        }
    }

    /// <summary>Offers found since the last call, to hand to the sink outside the lock.</summary>
    public List<MdnsPeer> TakeOffers()
    {
        var offers = _pendingOffers.ToList();
        _pendingOffers.Clear();
        return offers;
    }

    public void OnResponse(DnsMessage response, MdnsPacket packet, MdnsInterface networkInterface)
    {
        if (!_running)
        {
            return;
        }

        var now = Now;
        var records = response.Answers.Concat(response.Additionals).ToList();
        var touched = new HashSet<DnsName>();

        // Service records first, so that the address records of their targets are recognised after.
        foreach (var record in records.Where(r => r.Type is not (DnsRecordType.A or DnsRecordType.Aaaa)))
        {
            var instance = record.Type switch
            {
                DnsRecordType.Ptr when record.Name.Equals(MdnsNames.PeerMeshService) => ((PtrRecordData)record.Data).Target,
                DnsRecordType.Srv or DnsRecordType.Txt when IsPeerMeshInstance(record.Name) => record.Name,
                _ => null,
            };
            if (instance is null)
            {
                continue;
            }

            switch (_cache.Add(record, now, packet.Source.Address, networkInterface.Index))
            {
                case MdnsCacheAddResult.Added:
                    touched.Add(instance);
                    break;
                case MdnsCacheAddResult.Dropped:
                    _counters.Drop("cache full");
                    break;
            }
        }

        foreach (var record in records.Where(r => r.Type is DnsRecordType.A or DnsRecordType.Aaaa))
        {
            if (!_cache.IsSrvTarget(record.Name))
            {
                continue;
            }

            switch (_cache.Add(record, now, packet.Source.Address, networkInterface.Index))
            {
                case MdnsCacheAddResult.Added:
                    touched.UnionWith(_cache.InstancesTargeting(record.Name));
                    break;
                case MdnsCacheAddResult.Dropped:
                    _counters.Drop("cache full");
                    break;
            }
        }

        // Only what this packet added is re-evaluated (refreshes change nothing), so a full cache does not
        // make every packet expensive.
        Evaluate(touched);
        ResolveMissing(now, touched);

        // Nothing here can expire sooner than a second from now (goodbyes and cache-flush give one second,
        // the smallest TTL is one second), so the full scan for the next expiry is left to the timer.
        if (_expiryTimer.DueAt is not { } due || due > now + TimeSpan.FromSeconds(1))
        {
            _expiryTimer.Arm(TimeSpan.FromSeconds(1));
        }

        RearmQuery();
    }

    private bool HasPtr(DnsName instance) =>
        _cache.Contains(new DnsRecord(MdnsNames.PeerMeshService, DnsRecordType.Ptr, 0, new PtrRecordData(instance)));

    private static bool IsPeerMeshInstance(DnsName name) =>
        name.Labels.Count == MdnsNames.PeerMeshService.Labels.Count + 1 && name.IsSubdomainOf(MdnsNames.PeerMeshService);

    /// <summary>Matches cached instances to peers; queues offers for new or moved ones, forgets vanished ones.</summary>
    private void Evaluate(HashSet<DnsName>? only = null)
    {
        var seen = new HashSet<DnsName>();
        var instances = only ?? _cache.Find(MdnsNames.PeerMeshService, DnsRecordType.Ptr).Select(p => ((PtrRecordData)p.Record.Data).Target).ToHashSet();
        foreach (var instance in instances)
        {
            if (!IsPeerMeshInstance(instance) || (only is not null && !HasPtr(instance)))
            {
                continue;
            }

            var srv = _cache.Find(instance, DnsRecordType.Srv).MaxBy(e => e.ReceivedAt);
            var txt = _cache.Find(instance, DnsRecordType.Txt).MaxBy(e => e.ReceivedAt);
            if (srv is null || txt is null)
            {
                continue;
            }

            var pairs = ((TxtRecordData)txt.Record.Data).ToDictionary();
            if (!pairs.TryGetValue("mesh", out var mesh) || !string.Equals(mesh, _meshHash, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!pairs.TryGetValue("id", out var nodeId) || !IsValidNodeId(nodeId))
            {
                continue;
            }

            if (string.Equals(nodeId, _advertisement.NodeId, StringComparison.OrdinalIgnoreCase))
            {
                // Our own announcement reflected back (HOSTILE-INPUTS 10).
                continue;
            }

            var srvData = (SrvRecordData)srv.Record.Data;
            var address = ChooseAddress(srvData.Target, srv);
            if (srvData.Port == 0 || address is null)
            {
                continue;
            }

            seen.Add(instance);
            var peer = new MdnsPeer(nodeId, new IPEndPoint(address, srvData.Port), instance.Labels[0]);
            if (!_offered.TryGetValue(instance, out var previous) || previous != peer)
            {
                _offered[instance] = peer;
                _pendingOffers.Add(peer);
                _logger.PeerFound(nodeId, peer.GossipEndPoint.ToString());
            }
        }

        // Only a full pass (after expiry) can tell that an instance is gone.
        if (only is null)
        {
            foreach (var gone in _offered.Keys.Where(k => !seen.Contains(k)).ToList())
            {
                _offered.Remove(gone);
            }
        }
    }

    /// <summary>
    /// An A record of the SRV target (same sender first), else an AAAA record (the peer may be reachable
    /// over IPv6 only), else the address the SRV came from. A link-local AAAA gets the scope of the
    /// interface it was heard on: without it the address cannot be dialled.
    /// </summary>
    private IPAddress? ChooseAddress(DnsName target, MdnsCacheEntry srv)
    {
        var candidates = _cache.Find(target, DnsRecordType.A).Concat(_cache.Find(target, DnsRecordType.Aaaa))
            .OrderByDescending(e => e.Record.Type == DnsRecordType.A)
            .ThenByDescending(e => e.Source.Equals(srv.Source))
            .ThenByDescending(e => e.ReceivedAt)
            .Select(e => WithScope(((AddressRecordData)e.Record.Data).Address, e.InterfaceIndex))
            .Append(srv.Source);
        return candidates.FirstOrDefault(a => IsUsable(a, srv.Source));
    }

    internal static IPAddress WithScope(IPAddress address, int interfaceIndex) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv6LinkLocal && address.ScopeId == 0 && interfaceIndex > 0
            ? new IPAddress(address.GetAddressBytes(), interfaceIndex)
            : address;

    /// <summary>HOSTILE-INPUTS 13: no unspecified, multicast, broadcast or scope-less link-local addresses; loopback only from loopback.</summary>
    internal static bool IsUsable(IPAddress address, IPAddress source)
    {
        if (IPAddress.IsLoopback(address))
        {
            return IPAddress.IsLoopback(source);
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] != 0 && b[0] < 224 && !address.Equals(IPAddress.Broadcast);
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return !address.Equals(IPAddress.IPv6Any) && !address.IsIPv6Multicast && !(address.IsIPv6LinkLocal && address.ScopeId == 0);
        }

        return false;
    }

    private static bool IsValidNodeId(string id) =>
        id.Length is > 0 and <= MaxNodeIdLength && id.All(char.IsAsciiHexDigit);

    /// <summary>Asks for SRV and TXT of instances known only by their PTR, at most once a second each.</summary>
    private void ResolveMissing(TimeSpan now, HashSet<DnsName> touched)
    {
        var questions = new List<DnsQuestion>();
        foreach (var instance in touched)
        {
            if (!IsPeerMeshInstance(instance) || !HasPtr(instance))
            {
                continue;
            }

            var needSrv = !_cache.Find(instance, DnsRecordType.Srv).Any();
            var needTxt = !_cache.Find(instance, DnsRecordType.Txt).Any();
            if ((needSrv || needTxt) && (!_resolveAskedAt.TryGetValue(instance, out var at) || now - at >= TimeSpan.FromSeconds(1)))
            {
                _resolveAskedAt[instance] = now;
                if (needSrv)
                {
                    questions.Add(new DnsQuestion(instance, DnsRecordType.Srv));
                }

                if (needTxt)
                {
                    questions.Add(new DnsQuestion(instance, DnsRecordType.Txt));
                }
            }
        }

        if (_resolveAskedAt.Count > _options.MaxCacheEntries)
        {
            _resolveAskedAt.Clear();
        }

        if (questions.Count > 0)
        {
            SendQuery(questions, []);
        }
    }

    private void RearmQuery()
    {
        if (!_running)
        {
            return;
        }

        var next = _nextBackoffQuery;
        foreach (var entry in _cache.Find(MdnsNames.PeerMeshService, DnsRecordType.Ptr))
        {
            if (entry.NextRefresh is { } refresh && refresh < next)
            {
                next = refresh;
            }
        }

        _queryTimer.Arm(next - Now);
    }

    /// <summary>
    /// The first query of a series goes out at once, on every interface, with the unicast-response (QU) bit: RFC 6762
    /// 5.4 asks that of the questions a querier sends "immediately on wake from sleep or interface activation", and a
    /// starting node is that. The nodes that answer are offered to the mesh, which joins each of them, so they list the
    /// starting node long before its own names are probed and announced (issue 15). 5.2's random 20-120 ms before a
    /// first query is a SHOULD against many hosts starting "at exactly the same moment"; here the answerers spread their
    /// replies by 20-120 ms each anyway (RFC 6762 6). The QU bit gets answers that the once-a-second multicast limit
    /// would drop: a responder that multicast its PTR within the last second answers by unicast instead of not at all.
    /// The next query, an ordinary QM one, follows a second later, then the back-off doubles.
    /// </summary>
    private void StartSeries()
    {
        _interval = _options.QueryInterval;
        _nextBackoffQuery = Now;
        QueryNow(unicastResponse: true);
        RearmQuery();
    }

    private void QueryNow(bool unicastResponse = false)
    {
        var now = Now;
        foreach (var entry in _cache.Find(MdnsNames.PeerMeshService, DnsRecordType.Ptr))
        {
            while (entry.NextRefresh is { } refresh && refresh <= now)
            {
                entry.RefreshStep++;
            }
        }

        if (now >= _nextBackoffQuery)
        {
            _nextBackoffQuery = now + _interval;
            _interval = TimeSpan.FromTicks(Math.Min(_interval.Ticks * 2, _options.QueryIntervalMax.Ticks));
        }

        // RFC 6762 7.1: list what we already know with more than half its TTL left, so nobody repeats it
        // (our own records included: that is what stops our responder answering our own browser).
        var known = _cache.Find(MdnsNames.PeerMeshService, DnsRecordType.Ptr)
            .Where(e => e.RemainingTtl(now) > e.Record.Ttl / 2)
            .Select(e => e.Record.WithTtl(e.RemainingTtl(now)))
            .ToList();
        SendQuery([new DnsQuestion(MdnsNames.PeerMeshService, DnsRecordType.Ptr, UnicastResponse: unicastResponse)], known);
    }

    private void SendQuery(List<DnsQuestion> questions, List<DnsRecord> knownAnswers)
    {
        var message = DnsMessage.Query(questions, knownAnswers);
        foreach (var networkInterface in _transport.Interfaces)
        {
            foreach (var packet in DnsMessageEncoder.EncodeSplit(message, _options.MaxPacketBytes))
            {
                if (_transport.SendMulticast(networkInterface, packet))
                {
                    _counters.Sent(packet.Length);
                }
                else
                {
                    _counters.Drop("send failed");
                }
            }
        }
    }

    private void RearmExpiry()
    {
        if (!_running || _cache.NextExpiry is not { } next)
        {
            return;
        }

        _expiryTimer.Arm(next - Now);
    }
}
