using System.Net;
using PeerMesh.Discovery.Dns;

namespace PeerMesh.Discovery.Mdns;

/// <summary>
/// The browser's record cache (RFC 6762 10): TTL expiry, goodbyes (TTL 0 expire in one second), the
/// cache-flush bit, and a size bound. Indexed by name and type so that a packet costs the same with a
/// full cache as with an empty one. Not thread-safe; used under the discovery lock.
/// </summary>
internal sealed class MdnsCache(int maxEntries, Random? random = null)
{
    private readonly Dictionary<string, MdnsCacheEntry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<(DnsName Name, DnsRecordType Type), Dictionary<string, MdnsCacheEntry>> _byName = [];
    private readonly Dictionary<DnsName, Dictionary<DnsName, int>> _srvTargets = [];

    public int Count => _entries.Count;

    public IEnumerable<MdnsCacheEntry> Entries => _entries.Values;

    /// <summary>Adds or refreshes a record.</summary>
    public MdnsCacheAddResult Add(DnsRecord record, TimeSpan now, IPAddress source, int interfaceIndex)
    {
        var key = MdnsRecordBuilder.Key(record);
        if (record.CacheFlush && _byName.TryGetValue((record.Name, record.Type), out var sameName))
        {
            // RFC 6762 10.2: other rdata for this name and type, received over a second ago, is stale.
            foreach (var (otherKey, other) in sameName)
            {
                if (otherKey != key && now - other.ReceivedAt > TimeSpan.FromSeconds(1))
                {
                    other.ExpiresAt = Min(other.ExpiresAt, now + TimeSpan.FromSeconds(1));
                }
            }
        }

        if (_entries.TryGetValue(key, out var existing))
        {
            if (record.Ttl == 0)
            {
                // RFC 6762 10.1: a goodbye leaves the record for one more second.
                existing.ExpiresAt = Min(existing.ExpiresAt, now + TimeSpan.FromSeconds(1));
                return MdnsCacheAddResult.Refreshed;
            }

            existing.Record = record;
            existing.ReceivedAt = now;
            existing.ExpiresAt = now + TimeSpan.FromSeconds(record.Ttl);
            existing.Source = source;
            existing.InterfaceIndex = interfaceIndex;
            existing.RefreshStep = 0;
            existing.RefreshJitter = Jitter();
            return MdnsCacheAddResult.Refreshed;
        }

        if (record.Ttl == 0)
        {
            return MdnsCacheAddResult.Refreshed;
        }

        if (_entries.Count >= maxEntries)
        {
            return MdnsCacheAddResult.Dropped;
        }

        var entry = new MdnsCacheEntry(record, now, source, interfaceIndex) { RefreshJitter = Jitter() };
        _entries[key] = entry;
        if (!_byName.TryGetValue((record.Name, record.Type), out var bucket))
        {
            bucket = new Dictionary<string, MdnsCacheEntry>(StringComparer.Ordinal);
            _byName[(record.Name, record.Type)] = bucket;
        }

        bucket[key] = entry;
        if (record.Data is SrvRecordData srv)
        {
            if (!_srvTargets.TryGetValue(srv.Target, out var instances))
            {
                instances = [];
                _srvTargets[srv.Target] = instances;
            }

            instances[record.Name] = instances.GetValueOrDefault(record.Name) + 1;
        }

        return MdnsCacheAddResult.Added;
    }

    public IEnumerable<MdnsCacheEntry> Find(DnsName name, DnsRecordType type) =>
        _byName.TryGetValue((name, type), out var bucket) ? bucket.Values : [];

    /// <summary>True when the record (name, type, rdata) is cached.</summary>
    public bool Contains(DnsRecord record) => _entries.ContainsKey(MdnsRecordBuilder.Key(record));

    /// <summary>True when some cached SRV record points at <paramref name="host"/>.</summary>
    public bool IsSrvTarget(DnsName host) => _srvTargets.ContainsKey(host);

    /// <summary>The instances whose cached SRV records point at <paramref name="host"/>.</summary>
    public IEnumerable<DnsName> InstancesTargeting(DnsName host) =>
        _srvTargets.TryGetValue(host, out var instances) ? instances.Keys : [];

    /// <summary>Removes expired entries; returns how many.</summary>
    public int RemoveExpired(TimeSpan now)
    {
        var expired = _entries.Where(kv => kv.Value.ExpiresAt <= now).ToList();
        foreach (var (key, entry) in expired)
        {
            _entries.Remove(key);
            var nameKey = (entry.Record.Name, entry.Record.Type);
            if (_byName.TryGetValue(nameKey, out var bucket) && bucket.Remove(key) && bucket.Count == 0)
            {
                _byName.Remove(nameKey);
            }

            if (entry.Record.Data is SrvRecordData srv && _srvTargets.TryGetValue(srv.Target, out var instances)
                && instances.TryGetValue(entry.Record.Name, out var n))
            {
                if (n > 1)
                {
                    instances[entry.Record.Name] = n - 1;
                }
                else if (instances.Remove(entry.Record.Name) && instances.Count == 0)
                {
                    _srvTargets.Remove(srv.Target);
                }
            }
        }

        return expired.Count;
    }

    public TimeSpan? NextExpiry => _entries.Count == 0 ? null : _entries.Values.Min(e => e.ExpiresAt);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private double Jitter() => random is null ? 0 : random.NextDouble() * 0.02;
}
