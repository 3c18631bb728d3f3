namespace PeerMesh.Discovery.Dns;

/// <summary>A DNS message. For mDNS the id is 0, and a response has only the QR and AA flags (RFC 6762 18).</summary>
internal sealed record DnsMessage(
    ushort Id,
    ushort Flags,
    IReadOnlyList<DnsQuestion> Questions,
    IReadOnlyList<DnsRecord> Answers,
    IReadOnlyList<DnsRecord> Authorities,
    IReadOnlyList<DnsRecord> Additionals)
{
    public const ushort ResponseFlag = 0x8000;
    public const ushort AuthoritativeFlag = 0x0400;
    public const ushort TruncatedFlag = 0x0200;

    public bool IsResponse => (Flags & ResponseFlag) != 0;

    public bool IsTruncated => (Flags & TruncatedFlag) != 0;

    /// <summary>Opcode (bits 11-14); mDNS accepts only 0 (standard query).</summary>
    public int Opcode => (Flags >> 11) & 0xF;

    public int ResponseCode => Flags & 0xF;

    public static DnsMessage Query(IReadOnlyList<DnsQuestion> questions, IReadOnlyList<DnsRecord>? knownAnswers = null, IReadOnlyList<DnsRecord>? authorities = null) =>
        new(0, 0, questions, knownAnswers ?? [], authorities ?? [], []);

    public static DnsMessage Response(IReadOnlyList<DnsRecord> answers, IReadOnlyList<DnsRecord>? additionals = null) =>
        new(0, ResponseFlag | AuthoritativeFlag, [], answers, [], additionals ?? []);

    /// <summary>Every record of the answer, authority and additional sections.</summary>
    public IEnumerable<DnsRecord> AllRecords => Answers.Concat(Authorities).Concat(Additionals);
}
