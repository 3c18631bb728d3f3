using System.Net;
using System.Reflection;
using ARSoft.Tools.Net;
using PeerMesh.Discovery.Dns;
using Xunit;
using Ar = ARSoft.Tools.Net.Dns;

namespace PeerMesh.Discovery.Tests.Dns;

public sealed class DnsMessageEncoderTests
{
    [Fact]
    public void Encode_FullResponse_RoundTripsThroughParser()
    {
        var original = DnsTestPackets.FullResponse();

        var bytes = DnsMessageEncoder.Encode(original);
        Assert.True(DnsMessageParser.TryParse(bytes, out var parsed, out var error), error);

        Assert.Equal(original.Flags, parsed.Flags);
        Assert.Equal(original.Answers.Count, parsed.Answers.Count);
        Assert.Equal(original.Additionals.Count, parsed.Additionals.Count);
        foreach (var (a, b) in original.AllRecords.Zip(parsed.AllRecords))
        {
            Assert.True(a.IsSameRecord(b), $"{a} != {b}");
            Assert.Equal(a.Ttl, b.Ttl);
            Assert.Equal(a.CacheFlush, b.CacheFlush);
        }

        var srv = Assert.IsType<SrvRecordData>(parsed.Answers[1].Data);
        Assert.Equal(9419, srv.Port);
        Assert.Equal("Alice's node.v2", parsed.Answers[1].Name.Labels[0]);
        var txt = Assert.IsType<TxtRecordData>(parsed.Answers[2].Data).ToDictionary();
        Assert.Equal("abc", txt["ID"]);
        var nsec = Assert.IsType<NsecRecordData>(parsed.Additionals[2].Data);
        Assert.Equal([DnsRecordType.A, DnsRecordType.Aaaa], nsec.Types);
    }

    [Fact]
    public void Encode_QuestionWithQuBit_RoundTripsBit()
    {
        var bytes = DnsMessageEncoder.Encode(DnsTestPackets.ProbeQuery());

        Assert.True(DnsMessageParser.TryParse(bytes, out var parsed, out _));
        Assert.True(parsed.Questions[0].UnicastResponse);
        Assert.Equal(DnsRecord.ClassIn, parsed.Questions[0].Class);
        Assert.Single(parsed.Authorities);
        Assert.False(parsed.IsResponse);
    }

    [Fact]
    public void Encode_RepeatedSuffixes_CompressesNames()
    {
        var message = DnsTestPackets.FullResponse();
        var compressed = DnsMessageEncoder.Encode(message);

        var uncompressed = new DnsWriter(compress: false);
        uncompressed.WriteHeader(0, 0, 0, 0, 0, 0);
        foreach (var r in message.AllRecords)
        {
            uncompressed.WriteRecord(r);
        }

        Assert.True(compressed.Length < uncompressed.Position - 100, $"{compressed.Length} vs {uncompressed.Position}");

        // "local" is written in full once, plus in the SRV target and NSEC next name, which we never compress.
        Assert.Equal(3, CountOccurrences(compressed, "\u0005local"u8.ToArray()));
    }

    [Fact]
    public void EncodeSplit_ManyAnswers_EveryPacketWithinLimitAndAllAnswersKept()
    {
        var answers = Enumerable.Range(0, 60)
            .Select(i => new DnsRecord(DnsTestPackets.Service, DnsRecordType.Ptr, 120, new PtrRecordData(DnsTestPackets.Service.Prepend($"instance number {i}"))))
            .ToList();

        var packets = DnsMessageEncoder.EncodeSplit(DnsMessage.Query([new DnsQuestion(DnsTestPackets.Service, DnsRecordType.Ptr)], answers), 500);

        Assert.True(packets.Count > 1);
        var total = 0;
        for (var i = 0; i < packets.Count; i++)
        {
            Assert.True(packets[i].Length <= 500);
            Assert.True(DnsMessageParser.TryParse(packets[i], out var parsed, out var error), error);
            Assert.Equal(i < packets.Count - 1, parsed.IsTruncated);
            total += parsed.Answers.Count;
        }

        Assert.Equal(60, total);
    }

    [Fact]
    public void Encode_OurResponse_ParsesInArsoft()
    {
        var bytes = DnsMessageEncoder.Encode(DnsTestPackets.FullResponse());

        var ar = Ar.DnsMessage.Parse(new ArraySegment<byte>(bytes));

        Assert.False(ar.IsQuery);
        Assert.Equal(3, ar.AnswerRecords.Count);
        var ptr = Assert.IsType<Ar.PtrRecord>(ar.AnswerRecords[0]);
        Assert.Equal(new DomainName(["Alice's node.v2", "_peermesh", "_udp", "local"]), ptr.PointerDomainName);
        var srv = Assert.IsType<Ar.SrvRecord>(ar.AnswerRecords[1]);
        Assert.Equal(9419, srv.Port);
        Assert.Equal(DomainName.Parse("pm-0123456789ab.local"), srv.Target);
        Assert.Equal((Ar.RecordClass)0x8001, srv.RecordClass);
        var txt = Assert.IsType<Ar.TxtRecord>(ar.AnswerRecords[2]);
        Assert.Equal(["id=abc", "v=1", "mesh=0011"], txt.TextParts);
        var a = Assert.IsType<Ar.ARecord>(ar.AdditionalRecords[0]);
        Assert.Equal(IPAddress.Parse("198.18.0.1"), a.Address);
        var aaaa = Assert.IsType<Ar.AaaaRecord>(ar.AdditionalRecords[1]);
        Assert.Equal(IPAddress.Parse("fe80::1"), aaaa.Address);
        var nsec = Assert.IsType<Ar.NSecRecord>(ar.AdditionalRecords[2]);
        Assert.Equal([Ar.RecordType.A, Ar.RecordType.Aaaa], nsec.Types);
    }

    [Fact]
    public void Encode_OurQuery_ParsesInArsoft()
    {
        var bytes = DnsMessageEncoder.Encode(DnsTestPackets.QueryWithKnownAnswer());

        var ar = Ar.DnsMessage.Parse(new ArraySegment<byte>(bytes));

        Assert.True(ar.IsQuery);
        var q = Assert.Single(ar.Questions);
        Assert.Equal(Ar.RecordType.Ptr, q.RecordType);
        Assert.Equal(DomainName.Parse("_peermesh._udp.local"), q.Name);
        Assert.IsType<Ar.PtrRecord>(Assert.Single(ar.AnswerRecords));
    }

    internal static byte[] EncodeWithArsoft(Ar.DnsMessageBase message)
    {
        var encode = typeof(Ar.DnsMessageBase).GetMethod("Encode", BindingFlags.NonPublic | BindingFlags.Instance, Type.EmptyTypes)!;
        var raw = (Ar.DnsRawPackage)encode.Invoke(message, null)!;
        return raw.ToArraySegment(false).ToArray();
    }

    private static int CountOccurrences(byte[] haystack, byte[] needle)
    {
        var count = 0;
        for (var i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                count++;
            }
        }

        return count;
    }
}
