using System.Net;
using ARSoft.Tools.Net;
using CsCheck;
using PeerMesh.Discovery.Dns;
using Xunit;
using Ar = ARSoft.Tools.Net.Dns;

namespace PeerMesh.Discovery.Tests.Dns;

public sealed class DnsMessageParserTests
{
    private static readonly byte[] s_questionTail = [0x00, 0x0C, 0x00, 0x01];

    public static TheoryData<string, byte[], string> MalformedPackets()
    {
        var data = new TheoryData<string, byte[], string>
        {
            { "empty", [], "malformed: shorter than the header" },
            { "one byte", [0x00], "malformed: shorter than the header" },
            { "header claims a question", Header(qd: 1), "malformed: counts beyond the data" },
            { "header claims 65535 answers", [.. Header(an: 0xFFFF), .. new byte[40]], "malformed: counts beyond the data" },
            { "pointer to itself", [.. Header(qd: 1), 0xC0, 0x0C, .. s_questionTail], "malformed: compression pointer loop" },
            { "pointer back into the same name", [.. Header(qd: 1), 0x03, (byte)'a', (byte)'b', (byte)'c', 0xC0, 0x0C, .. s_questionTail], "malformed: compression pointer loop" },
            { "forward pointer", [.. Header(qd: 1), 0xC0, 0x20, .. s_questionTail, .. new byte[30]], "malformed: forward compression pointer" },
            { "label of 64 bytes", [.. Header(qd: 1), 0x40, .. new byte[64], 0x00, .. s_questionTail], "malformed: label longer than 63 bytes" },
            { "name of 321 bytes", [.. Header(qd: 1), .. LongName(5), .. s_questionTail], "malformed: name longer than 255 bytes" },
            { "name cut in a label", [.. Header(qd: 1), 0x09, (byte)'a', (byte)'b', (byte)'c', 0x00, 0x01], "malformed: truncated label" },
            { "question without type", [.. Header(qd: 1), 0x01, (byte)'a', 0x00, 0x00, 0x0C], "malformed: truncated question" },
            { "rdata beyond the data", [.. Header(an: 1), 0x00, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 120, 0x00, 0x10, 1, 2, 3, 4], "malformed: truncated rdata" },
            { "A record of 5 bytes", [.. Header(an: 1), 0x00, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 120, 0x00, 0x05, 1, 2, 3, 4, 5], "malformed: A rdata of 5 bytes" },
            { "PTR rdata longer than its name", [.. Header(an: 1), 0x00, 0x00, 0x0C, 0x00, 0x01, 0, 0, 0, 120, 0x00, 0x05, 0x01, (byte)'a', 0x00, 0x00, 0x00], "malformed: PTR rdata length mismatch" },
            { "TXT string beyond rdata", [.. Header(an: 1), 0x00, 0x00, 0x10, 0x00, 0x01, 0, 0, 0, 120, 0x00, 0x02, 0x05, (byte)'a'], "malformed: TXT string beyond rdata" },
            { "SRV too short", [.. Header(an: 1), 0x00, 0x00, 0x21, 0x00, 0x01, 0, 0, 0, 120, 0x00, 0x02, 0x00, 0x01], "malformed: SRV rdata too short" },
            { "non UTF-8 label", [.. Header(qd: 1), 0x02, 0xC3, 0x28, 0x00, .. s_questionTail], "malformed: label is not UTF-8" },
            { "larger than 9000 bytes", [.. Header(), .. new byte[9000]], "malformed: packet larger than 9000 bytes" },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(MalformedPackets))]
    public void TryParse_Malformed_ReturnsReason(string _, byte[] packet, string expected)
    {
        var ok = DnsMessageParser.TryParse(packet, out var message, out var error);

        Assert.False(ok);
        Assert.Null(message);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryParse_TruncatedValidPacket_FailsAtEveryLength()
    {
        var bytes = DnsMessageEncoder.Encode(DnsTestPackets.FullResponse());

        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.False(DnsMessageParser.TryParse(bytes.AsSpan(0, length), out _, out var error), $"length {length}");
            Assert.StartsWith("malformed: ", error);
        }
    }

    [Fact]
    public void TryParse_BackwardPointerChain_Resolves()
    {
        // "local" at 12, then a question for "x" + pointer to it.
        byte[] packet = [.. Header(qd: 2), 0x05, .. "local"u8, 0x00, .. s_questionTail, 0x01, (byte)'x', 0xC0, 0x0C, .. s_questionTail];

        Assert.True(DnsMessageParser.TryParse(packet, out var message, out var error), error);
        Assert.Equal(DnsName.Parse("x.local"), message.Questions[1].Name);
    }

    [Fact]
    public void TryParse_ArsoftResponse_ParsesInOurs()
    {
        var ar = new Ar.DnsMessage { IsQuery = false, IsAuthoritiveAnswer = true };
        var instance = new DomainName(["Bob (2)", "_git", "_tcp", "local"]);
        var host = DomainName.Parse("bob-host.local");
        ar.AnswerRecords.Add(new Ar.PtrRecord(DomainName.Parse("_git._tcp.local"), 4500, instance));
        ar.AnswerRecords.Add(new Ar.SrvRecord(instance, 120, 0, 0, 9418, host));
        ar.AnswerRecords.Add(new Ar.TxtRecord(instance, 4500, ["repo=0123", "path=/project"]));
        ar.AdditionalRecords.Add(new Ar.ARecord(host, 120, IPAddress.Parse("198.18.1.2")));
        ar.AdditionalRecords.Add(new Ar.AaaaRecord(host, 120, IPAddress.Parse("fd00::2")));
        ar.AdditionalRecords.Add(new Ar.NSecRecord(host, Ar.RecordClass.INet, 120, host, [Ar.RecordType.A, Ar.RecordType.Aaaa]));

        var bytes = DnsMessageEncoderTests.EncodeWithArsoft(ar);

        Assert.True(DnsMessageParser.TryParse(bytes, out var ours, out var error), error);
        Assert.True(ours.IsResponse);
        Assert.Equal(DnsName.FromLabels("Bob (2)", "_git", "_tcp", "local"), Assert.IsType<PtrRecordData>(ours.Answers[0].Data).Target);
        var srv = Assert.IsType<SrvRecordData>(ours.Answers[1].Data);
        Assert.Equal((9418, DnsName.Parse("bob-host.local")), (srv.Port, srv.Target));
        Assert.Equal("/project", Assert.IsType<TxtRecordData>(ours.Answers[2].Data).ToDictionary()["path"]);
        Assert.Equal(IPAddress.Parse("198.18.1.2"), Assert.IsType<AddressRecordData>(ours.Additionals[0].Data).Address);
        Assert.Equal(IPAddress.Parse("fd00::2"), Assert.IsType<AddressRecordData>(ours.Additionals[1].Data).Address);
        Assert.Equal([DnsRecordType.A, DnsRecordType.Aaaa], Assert.IsType<NsecRecordData>(ours.Additionals[2].Data).Types);
    }

    [Fact]
    public void TryParse_ArsoftQuery_ParsesInOurs()
    {
        var ar = new Ar.DnsMessage();
        ar.Questions.Add(new Ar.DnsQuestion(DomainName.Parse("_peermesh._udp.local"), Ar.RecordType.Ptr, (Ar.RecordClass)0x8001));
        ar.Questions.Add(new Ar.DnsQuestion(DomainName.Parse("x._peermesh._udp.local"), Ar.RecordType.Srv, Ar.RecordClass.INet));

        var bytes = DnsMessageEncoderTests.EncodeWithArsoft(ar);

        Assert.True(DnsMessageParser.TryParse(bytes, out var ours, out var error), error);
        Assert.False(ours.IsResponse);
        Assert.Equal(2, ours.Questions.Count);
        Assert.True(ours.Questions[0].UnicastResponse);
        Assert.Equal(DnsRecordType.Ptr, ours.Questions[0].Type);
        Assert.False(ours.Questions[1].UnicastResponse);
        Assert.Equal(DnsName.Parse("x._peermesh._udp.local"), ours.Questions[1].Name);
    }

    [Fact]
    public void TryParse_FuzzRandomAndMutatedPackets_NeverThrowsAndReencodes()
    {
        var seeds = DnsTestPackets.Seeds();
        var random = Gen.Byte.Array[0, 700];
        var mutated = Gen.Select(Gen.Int[0, seeds.Count - 1], Gen.Int[1, 8].SelectMany(n => Gen.Select(Gen.Int[0, 1 << 20], Gen.Byte, Gen.Int[0, 3]).Array[n]), Gen.Int[0, 1 << 20])
            .Select(t => Mutate(seeds[t.Item1], t.Item2, t.Item3));
        long accepted = 0;

        Gen.Frequency((1, random), (3, mutated)).Sample(
            packet =>
            {
                if (DnsMessageParser.TryParse(packet, out var message, out var error))
                {
                    Interlocked.Increment(ref accepted);

                    // Whatever we accept we can write again, and read back the same way.
                    var again = DnsMessageEncoder.Encode(message);
                    Assert.True(DnsMessageParser.TryParse(again, out var reparsed, out var error2), error2);
                    Assert.Equal(message.AllRecords.Count(), reparsed.AllRecords.Count());
                }
                else
                {
                    Assert.StartsWith("malformed: ", error);
                }
            },
            iter: 100_000);

        Assert.True(Interlocked.Read(ref accepted) > 100, $"only {accepted} inputs parsed; the mutator is too destructive");
    }

    private static byte[] Mutate(byte[] seed, (int Position, byte Value, int Kind)[] edits, int cut)
    {
        var bytes = seed.ToList();
        foreach (var (position, value, kind) in edits)
        {
            if (bytes.Count == 0)
            {
                break;
            }

            var at = position % bytes.Count;
            switch (kind)
            {
                case 0:
                    bytes[at] = value;
                    break;
                case 1:
                    bytes[at] ^= (byte)(1 << (value % 8));
                    break;
                case 2:
                    bytes.Insert(at, value);
                    break;
                default:
                    bytes.RemoveAt(at);
                    break;
            }
        }

        // Sometimes cut the tail, as a truncated datagram would be.
        if (cut % 5 == 0 && bytes.Count > 0)
        {
            bytes.RemoveRange(cut % bytes.Count, bytes.Count - (cut % bytes.Count));
        }

        return [.. bytes];
    }

    private static byte[] Header(int qd = 0, int an = 0) =>
        [0, 0, 0, 0, (byte)(qd >> 8), (byte)qd, (byte)(an >> 8), (byte)an, 0, 0, 0, 0];

    private static byte[] LongName(int labels)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < labels; i++)
        {
            bytes.Add(63);
            bytes.AddRange(Enumerable.Repeat((byte)'a', 63));
        }

        bytes.Add(0);
        return [.. bytes];
    }
}
