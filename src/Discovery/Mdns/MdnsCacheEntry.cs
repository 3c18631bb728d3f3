using System.Net;
using PeerMesh.Discovery.Dns;

namespace PeerMesh.Discovery.Mdns;

/// <summary>A cached record with when it arrived, from where, and when it expires.</summary>
internal sealed class MdnsCacheEntry(DnsRecord record, TimeSpan receivedAt, IPAddress source, int interfaceIndex)
{
    public DnsRecord Record { get; set; } = record;

    public TimeSpan ReceivedAt { get; set; } = receivedAt;

    public TimeSpan ExpiresAt { get; set; } = receivedAt + TimeSpan.FromSeconds(record.Ttl);

    public IPAddress Source { get; set; } = source;

    public int InterfaceIndex { get; set; } = interfaceIndex;

    /// <summary>How many of the RFC 6762 5.2 refresh queries (at 80, 85, 90, 95 % of the TTL) were sent.</summary>
    public int RefreshStep { get; set; }

    /// <summary>RFC 6762 5.2: 0-2 % of the TTL added to each refresh point, so browsers do not all ask at once.</summary>
    public double RefreshJitter { get; set; }

    /// <summary>When the next refresh query is due, or null after the last one.</summary>
    public TimeSpan? NextRefresh => RefreshStep >= 4 || Record.Ttl == 0
        ? null
        : ReceivedAt + TimeSpan.FromSeconds(Record.Ttl * (0.80 + 0.05 * RefreshStep + RefreshJitter));

    public uint RemainingTtl(TimeSpan now) => ExpiresAt <= now ? 0 : (uint)Math.Ceiling((ExpiresAt - now).TotalSeconds);
}
