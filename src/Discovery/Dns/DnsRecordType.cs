namespace PeerMesh.Discovery.Dns;

/// <summary>The resource record types mDNS/DNS-SD needs (RFC 1035, 2782, 3596, 4034). Others are kept as unknown.</summary>
internal enum DnsRecordType : ushort
{
    A = 1,
    Ptr = 12,
    Txt = 16,
    Aaaa = 28,
    Srv = 33,
    Nsec = 47,
    Any = 255,
}
