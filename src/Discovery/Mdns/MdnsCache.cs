using System.Net;
using PeerMesh.Discovery.Dns;

namespace PeerMesh.Discovery.Mdns;

/// <summary>
/// The browser's record cache (RFC 6762 10): TTL expiry, goodbyes (TTL 0 expire in one second), the
/// cache-flush bit, and a size bound. Not thread-safe; used under the discovery lock.
/// </summary>
internal sealed class MdnsCache(int maxEntries, Random? random = null)
{
    private readonly Dictionary<string, MdnsCacheEntry> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public IEnumerable<MdnsCacheEntry> Entries => _entries.Values;

    /// <summary>Adds or refreshes a record. False when it was dropped because the cache is full.</summary>
    public bool Add(DnsRecord record, TimeSpan now, IPAddress source, int interfaceIndex)
    {
        var key = MdnsRecordBuilder.Key(record);
        if (record.CacheFlush)
        {
            // RFC 6762 10.2: other rdata for this name and type, received over a second ago, is stale.
            foreach (var other in _entries.Values)
            {
                if (other.Record.Type == record.Type && other.Record.Name.Equals(record.Name) && now - other.ReceivedAt > TimeSpan.FromSeconds(1)
                    && !other.Record.Data.RdataEquals(record.Data))
                {
                    other.ExpiresAt = TimeSpan.FromTicks(Math.Min(other.ExpiresAt.Ticks, (now + TimeSpan.FromSeconds(1)).Ticks));
                }
            }
        }

        if (_entries.TryGetValue(key, out var existing))
        {
            if (record.Ttl == 0)
            {
                // RFC 6762 10.1: a goodbye leaves the record for one more second.
                existing.ExpiresAt = TimeSpan.FromTicks(Math.Min(existing.ExpiresAt.Ticks, (now + TimeSpan.FromSeconds(1)).Ticks));
                return true;
            }

            existing.Record = record;
            existing.ReceivedAt = now;
            existing.ExpiresAt = now + TimeSpan.FromSeconds(record.Ttl);
            existing.Source = source;
            existing.InterfaceIndex = interfaceIndex;
            existing.RefreshStep = 0;
            existing.RefreshJitter = Jitter();
            return true;
        }

        if (record.Ttl == 0)
        {
            return true;
        }

        if (_entries.Count >= maxEntries)
        {
            return false;
        }

        _entries[key] = new MdnsCacheEntry(record, now, source, interfaceIndex) { RefreshJitter = Jitter() };
        return true;
    }

    private double Jitter() => random is null ? 0 : random.NextDouble() * 0.02;

    public IEnumerable<MdnsCacheEntry> Find(DnsName name, DnsRecordType type) =>
        _entries.Values.Where(e => e.Record.Type == type && e.Record.Name.Equals(name));

    /// <summary>Removes expired entries; returns how many.</summary>
    public int RemoveExpired(TimeSpan now)
    {
        var expired = _entries.Where(kv => kv.Value.ExpiresAt <= now).Select(kv => kv.Key).ToList();
        foreach (var key in expired)
        {
            _entries.Remove(key);
        }

        return expired.Count;
    }

    public TimeSpan? NextExpiry => _entries.Count == 0 ? null : _entries.Values.Min(e => e.ExpiresAt);
}
