namespace PeerMesh.Discovery.Dns;

/// <summary>Encodes messages, splitting at record boundaries when a size limit is given.</summary>
internal static class DnsMessageEncoder
{
    public const int HeaderLength = 12;

    public static byte[] Encode(DnsMessage message)
    {
        var writer = new DnsWriter();
        writer.WriteHeader(message.Id, message.Flags, message.Questions.Count, message.Answers.Count, message.Authorities.Count, message.Additionals.Count);
        foreach (var q in message.Questions)
        {
            writer.WriteQuestion(q);
        }

        foreach (var r in message.AllRecords)
        {
            writer.WriteRecord(r);
        }

        return writer.ToArray();
    }

    /// <summary>
    /// Encodes into one or more packets of at most <paramref name="maxBytes"/> each. Questions and
    /// authority records (probe proposals) go in the first packet; answers fill packets in order;
    /// additional records are added where they fit and dropped otherwise (they are optional).
    /// In a query split over several packets every packet but the last gets the TC bit (RFC 6762 7.2).
    /// A single record larger than the limit is sent alone.
    /// </summary>
    public static IReadOnlyList<byte[]> EncodeSplit(DnsMessage message, int maxBytes)
    {
        var packets = new List<byte[]>();
        var questions = message.Questions;
        var authorities = message.Authorities;
        var answerIndex = 0;
        var additionals = message.Additionals;
        var first = true;
        while (first || answerIndex < message.Answers.Count)
        {
            var writer = new DnsWriter();
            writer.WriteHeader(message.Id, message.Flags, 0, 0, 0, 0);
            var qCount = 0;
            var anCount = 0;
            var nsCount = 0;
            var arCount = 0;
            if (first)
            {
                foreach (var q in questions)
                {
                    writer.WriteQuestion(q);
                    qCount++;
                }
            }

            while (answerIndex < message.Answers.Count)
            {
                var mark = writer.Position;
                writer.WriteRecord(message.Answers[answerIndex]);
                if (writer.Position > maxBytes && anCount + qCount > 0)
                {
                    writer.Rollback(mark);
                    break;
                }

                anCount++;
                answerIndex++;
            }

            if (first)
            {
                foreach (var r in authorities)
                {
                    writer.WriteRecord(r);
                    nsCount++;
                }
            }

            // Additionals only on the last packet, where they fit.
            if (answerIndex >= message.Answers.Count)
            {
                foreach (var r in additionals)
                {
                    var mark = writer.Position;
                    writer.WriteRecord(r);
                    if (writer.Position > maxBytes)
                    {
                        writer.Rollback(mark);
                        continue;
                    }

                    arCount++;
                }
            }

            var flags = message.Flags;
            if (!message.IsResponse && answerIndex < message.Answers.Count)
            {
                flags |= DnsMessage.TruncatedFlag;
            }

            writer.PatchUInt16(2, flags);
            writer.PatchUInt16(4, (ushort)qCount);
            writer.PatchUInt16(6, (ushort)anCount);
            writer.PatchUInt16(8, (ushort)nsCount);
            writer.PatchUInt16(10, (ushort)arCount);
            packets.Add(writer.ToArray());
            first = false;
        }

        return packets;
    }
}
