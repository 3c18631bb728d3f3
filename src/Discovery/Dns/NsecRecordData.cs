namespace PeerMesh.Discovery.Dns;

/// <summary>NSEC rdata (RFC 4034 4.1); mDNS uses it to say which types a name does not have (RFC 6762 6.1).</summary>
internal sealed class NsecRecordData(DnsName nextName, IReadOnlyList<DnsRecordType> types) : DnsRecordData
{
    public DnsName NextName { get; } = nextName;

    public IReadOnlyList<DnsRecordType> Types { get; } = types;

    internal override void Write(DnsWriter writer)
    {
        writer.WriteName(NextName, allowCompression: false);
        Span<byte> bitmap = stackalloc byte[32];
        foreach (var window in Types.Select(t => (int)t).Distinct().GroupBy(t => t >> 8).OrderBy(g => g.Key))
        {
            var length = (window.Max() & 0xFF) / 8 + 1;
            bitmap.Clear();
            foreach (var t in window)
            {
                var low = t & 0xFF;
                bitmap[low / 8] |= (byte)(0x80 >> (low % 8));
            }

            writer.WriteByte((byte)window.Key);
            writer.WriteByte((byte)length);
            writer.WriteBytes(bitmap[..length]);
        }
    }

    public override string ToString() => $"{NextName} {string.Join(' ', Types)}";
}
