using System.Net;
using System.Net.Sockets;

namespace PeerMesh.Discovery.Dns;

/// <summary>A (IPv4) or AAAA (IPv6) rdata.</summary>
internal sealed class AddressRecordData(IPAddress address) : DnsRecordData
{
    public IPAddress Address { get; } = address;

    public DnsRecordType RecordType => Address.AddressFamily == AddressFamily.InterNetworkV6 ? DnsRecordType.Aaaa : DnsRecordType.A;

    internal override void Write(DnsWriter writer)
    {
        Span<byte> bytes = stackalloc byte[16];
        Address.TryWriteBytes(bytes, out var written);
        writer.WriteBytes(bytes[..written]);
    }

    public override string ToString() => Address.ToString();
}
