namespace PeerMesh.Discovery.Dns;

/// <summary>
/// A resource record. <paramref name="CacheFlush"/> is the mDNS cache-flush bit (top bit of the class):
/// set on records the sender owns uniquely.
/// </summary>
internal sealed record DnsRecord(DnsName Name, DnsRecordType Type, uint Ttl, DnsRecordData Data, bool CacheFlush = false, ushort Class = DnsRecord.ClassIn)
{
    public const ushort ClassIn = 1;

    public DnsRecord WithTtl(uint ttl) => this with { Ttl = ttl };

    /// <summary>Same name, type, class and rdata (TTL and cache-flush ignored), as RFC 6762 compares records.</summary>
    public bool IsSameRecord(DnsRecord other) =>
        Type == other.Type && Class == other.Class && Name.Equals(other.Name) && Data.RdataEquals(other.Data);
}
