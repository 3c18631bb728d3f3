namespace PeerMesh.Discovery.Dns;

/// <summary>A question. <paramref name="UnicastResponse"/> is the mDNS QU bit (top bit of the class).</summary>
internal sealed record DnsQuestion(DnsName Name, DnsRecordType Type, bool UnicastResponse = false, ushort Class = DnsRecord.ClassIn);
