using System.Net;
using PeerMesh.Discovery.Dns;

namespace PeerMesh.Discovery.Tests.Dns;

/// <summary>Valid sample messages shared by the codec tests and the fuzzer's mutation seeds.</summary>
internal static class DnsTestPackets
{
    public static readonly DnsName Service = DnsName.Parse("_peermesh._udp.local");
    public static readonly DnsName Instance = Service.Prepend("Alice's node.v2");
    public static readonly DnsName Host = DnsName.Parse("pm-0123456789ab.local");

    public static DnsMessage FullResponse() => DnsMessage.Response(
        [
            new DnsRecord(Service, DnsRecordType.Ptr, 4500, new PtrRecordData(Instance)),
            new DnsRecord(Instance, DnsRecordType.Srv, 120, new SrvRecordData(0, 0, 9419, Host), CacheFlush: true),
            new DnsRecord(Instance, DnsRecordType.Txt, 4500, TxtRecordData.FromPairs(new Dictionary<string, string> { ["id"] = "abc", ["v"] = "1", ["mesh"] = "0011" }), CacheFlush: true),
        ],
        [
            new DnsRecord(Host, DnsRecordType.A, 120, new AddressRecordData(IPAddress.Parse("198.18.0.1")), CacheFlush: true),
            new DnsRecord(Host, DnsRecordType.Aaaa, 120, new AddressRecordData(IPAddress.Parse("fe80::1")), CacheFlush: true),
            new DnsRecord(Host, DnsRecordType.Nsec, 120, new NsecRecordData(Host, [DnsRecordType.A, DnsRecordType.Aaaa]), CacheFlush: true),
        ]);

    public static DnsMessage ProbeQuery() => DnsMessage.Query(
        [new DnsQuestion(Instance, DnsRecordType.Any, UnicastResponse: true)],
        authorities: [new DnsRecord(Instance, DnsRecordType.Srv, 120, new SrvRecordData(0, 0, 9419, Host))]);

    public static DnsMessage QueryWithKnownAnswer() => DnsMessage.Query(
        [new DnsQuestion(Service, DnsRecordType.Ptr)],
        [new DnsRecord(Service, DnsRecordType.Ptr, 4000, new PtrRecordData(Instance))]);

    public static IReadOnlyList<byte[]> Seeds() =>
        [DnsMessageEncoder.Encode(FullResponse()), DnsMessageEncoder.Encode(ProbeQuery()), DnsMessageEncoder.Encode(QueryWithKnownAnswer())];
}
