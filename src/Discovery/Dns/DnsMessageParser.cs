using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text;
using System.Text.Unicode;

namespace PeerMesh.Discovery.Dns;

/// <summary>
/// A bounded DNS parser for untrusted datagrams. Never throws on input: every failure comes back as
/// "malformed: &lt;reason&gt;" for the caller to count as a drop. Compression pointers must point
/// strictly backwards (no loops, no forward pointers), labels are at most 63 bytes, names at most
/// 255, record counts are checked against the bytes left before anything is allocated.
/// </summary>
internal static class DnsMessageParser
{
    /// <summary>RFC 6762 17: an mDNS packet is at most 9000 bytes.</summary>
    public const int MaxPacketBytes = 9000;

    private const int MinQuestionBytes = 5;
    private const int MinRecordBytes = 11;

    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out DnsMessage? message, out string error)
    {
        message = null;
        try
        {
            return TryParseCore(data, out message, out error);
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or DecoderFallbackException or FormatException)
        {
            // Defence in depth: the checks below should make this unreachable; a bug must still be a drop.
            error = "malformed: " + ex.GetType().Name;
            return false;
        }
    }

    private static bool TryParseCore(ReadOnlySpan<byte> data, out DnsMessage? message, out string error)
    {
        message = null;
        if (data.Length > MaxPacketBytes)
        {
            error = "malformed: packet larger than 9000 bytes";
            return false;
        }

        if (data.Length < DnsMessageEncoder.HeaderLength)
        {
            error = "malformed: shorter than the header";
            return false;
        }

        var id = BinaryPrimitives.ReadUInt16BigEndian(data);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        int qd = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        int an = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        int ns = BinaryPrimitives.ReadUInt16BigEndian(data[8..]);
        int ar = BinaryPrimitives.ReadUInt16BigEndian(data[10..]);
        var remaining = data.Length - DnsMessageEncoder.HeaderLength;
        if ((long)qd * MinQuestionBytes + (long)(an + ns + ar) * MinRecordBytes > remaining)
        {
            error = "malformed: counts beyond the data";
            return false;
        }

        var pos = DnsMessageEncoder.HeaderLength;
        var questions = new List<DnsQuestion>(qd);
        for (var i = 0; i < qd; i++)
        {
            if (!TryReadName(data, ref pos, out var name, out error))
            {
                return false;
            }

            if (pos + 4 > data.Length)
            {
                error = "malformed: truncated question";
                return false;
            }

            var type = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            var cls = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 2)..]);
            pos += 4;
            questions.Add(new DnsQuestion(name, type, (cls & 0x8000) != 0, (ushort)(cls & 0x7FFF)));
        }

        var answers = new List<DnsRecord>(an);
        var authorities = new List<DnsRecord>(ns);
        var additionals = new List<DnsRecord>(ar);
        foreach (var (list, count) in new[] { (answers, an), (authorities, ns), (additionals, ar) })
        {
            for (var i = 0; i < count; i++)
            {
                if (!TryReadRecord(data, ref pos, out var record, out error))
                {
                    return false;
                }

                list.Add(record);
            }
        }

        // Trailing bytes after the last record are tolerated, as most resolvers do.
        message = new DnsMessage(id, flags, questions, answers, authorities, additionals);
        error = "";
        return true;
    }

    private static bool TryReadRecord(ReadOnlySpan<byte> data, ref int pos, [NotNullWhen(true)] out DnsRecord? record, out string error)
    {
        record = null;
        if (!TryReadName(data, ref pos, out var name, out error))
        {
            return false;
        }

        if (pos + 10 > data.Length)
        {
            error = "malformed: truncated record header";
            return false;
        }

        var type = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
        var cls = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 2)..]);
        var ttl = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 4)..]);
        int rdLength = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 8)..]);
        pos += 10;
        if (pos + rdLength > data.Length)
        {
            error = "malformed: truncated rdata";
            return false;
        }

        var end = pos + rdLength;

        // Names inside rdata may point anywhere earlier in the message, but must not run past the rdata.
        var rdata = data[..end];
        DnsRecordData? parsed;
        switch (type)
        {
            case DnsRecordType.A or DnsRecordType.Aaaa:
                var expected = type == DnsRecordType.A ? 4 : 16;
                if (rdLength != expected)
                {
                    error = $"malformed: {type} rdata of {rdLength} bytes";
                    return false;
                }

                parsed = new AddressRecordData(new IPAddress(data.Slice(pos, rdLength)));
                break;
            case DnsRecordType.Ptr:
                {
                    var p = pos;
                    if (!TryReadName(rdata, ref p, out var target, out error))
                    {
                        return false;
                    }

                    if (p != end)
                    {
                        error = "malformed: PTR rdata length mismatch";
                        return false;
                    }

                    parsed = new PtrRecordData(target);
                    break;
                }

            case DnsRecordType.Srv:
                {
                    if (rdLength < 7)
                    {
                        error = "malformed: SRV rdata too short";
                        return false;
                    }

                    var priority = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
                    var weight = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 2)..]);
                    var port = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 4)..]);
                    var p = pos + 6;
                    if (!TryReadName(rdata, ref p, out var target, out error))
                    {
                        return false;
                    }

                    if (p != end)
                    {
                        error = "malformed: SRV rdata length mismatch";
                        return false;
                    }

                    parsed = new SrvRecordData(priority, weight, port, target);
                    break;
                }

            case DnsRecordType.Txt:
                {
                    var strings = new List<byte[]>();
                    var p = pos;
                    while (p < end)
                    {
                        var len = data[p++];
                        if (p + len > end)
                        {
                            error = "malformed: TXT string beyond rdata";
                            return false;
                        }

                        strings.Add(data.Slice(p, len).ToArray());
                        p += len;
                    }

                    parsed = new TxtRecordData(strings);
                    break;
                }

            case DnsRecordType.Nsec:
                {
                    var p = pos;
                    if (!TryReadName(rdata, ref p, out var next, out error))
                    {
                        return false;
                    }

                    var types = new List<DnsRecordType>();
                    var lastWindow = -1;
                    while (p < end)
                    {
                        if (p + 2 > end)
                        {
                            error = "malformed: NSEC bitmap truncated";
                            return false;
                        }

                        int window = data[p];
                        int len = data[p + 1];
                        p += 2;
                        if (window <= lastWindow || len is 0 or > 32 || p + len > end)
                        {
                            error = "malformed: NSEC bitmap invalid";
                            return false;
                        }

                        lastWindow = window;
                        for (var i = 0; i < len; i++)
                        {
                            for (var bit = 0; bit < 8; bit++)
                            {
                                if ((data[p + i] & (0x80 >> bit)) != 0)
                                {
                                    types.Add((DnsRecordType)((window << 8) | (i * 8) + bit));
                                }
                            }
                        }

                        p += len;
                    }

                    parsed = new NsecRecordData(next, types);
                    break;
                }

            default:
                parsed = new UnknownRecordData(data.Slice(pos, rdLength).ToArray());
                break;
        }

        pos = end;
        record = new DnsRecord(name, type, ttl, parsed, (cls & 0x8000) != 0, (ushort)(cls & 0x7FFF));
        error = "";
        return true;
    }

    /// <summary>
    /// Reads a possibly compressed name. Every pointer must point before the start of the labels read so
    /// far for this name, so a chain of pointers strictly decreases and always ends.
    /// </summary>
    internal static bool TryReadName(ReadOnlySpan<byte> data, ref int pos, [NotNullWhen(true)] out DnsName? name, out string error)
    {
        name = null;
        var labels = new List<string>();
        var p = pos;
        var lowest = pos;
        var wireLength = 1;
        var jumped = false;
        while (true)
        {
            if (p >= data.Length)
            {
                error = "malformed: truncated name";
                return false;
            }

            var len = data[p];
            if ((len & 0xC0) == 0xC0)
            {
                if (p + 1 >= data.Length)
                {
                    error = "malformed: truncated compression pointer";
                    return false;
                }

                var target = ((len & 0x3F) << 8) | data[p + 1];
                if (target > p)
                {
                    error = "malformed: forward compression pointer";
                    return false;
                }

                if (target >= lowest)
                {
                    error = "malformed: compression pointer loop";
                    return false;
                }

                if (!jumped)
                {
                    pos = p + 2;
                    jumped = true;
                }

                lowest = target;
                p = target;
                continue;
            }

            if ((len & 0xC0) != 0)
            {
                // 0x40 and 0x80 prefixes: a length of 64..191, or the obsolete extended label types.
                error = "malformed: label longer than 63 bytes";
                return false;
            }

            if (len == 0)
            {
                if (!jumped)
                {
                    pos = p + 1;
                }

                break;
            }

            // len is at most 63 here because the top two bits are clear.
            wireLength += 1 + len;
            if (wireLength > DnsName.MaxWireLength)
            {
                error = "malformed: name longer than 255 bytes";
                return false;
            }

            if (p + 1 + len > data.Length)
            {
                error = "malformed: truncated label";
                return false;
            }

            var labelBytes = data.Slice(p + 1, len);
            if (!Utf8.IsValid(labelBytes))
            {
                error = "malformed: label is not UTF-8";
                return false;
            }

            labels.Add(Encoding.UTF8.GetString(labelBytes));
            p += 1 + len;
        }

        name = DnsName.FromValidatedLabels([.. labels]);
        error = "";
        return true;
    }
}
