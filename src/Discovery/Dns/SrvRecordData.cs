namespace PeerMesh.Discovery.Dns;

internal sealed class SrvRecordData(ushort priority, ushort weight, ushort port, DnsName target) : DnsRecordData
{
    public ushort Priority { get; } = priority;

    public ushort Weight { get; } = weight;

    public ushort Port { get; } = port;

    public DnsName Target { get; } = target;

    internal override void Write(DnsWriter writer)
    {
        writer.WriteUInt16(Priority);
        writer.WriteUInt16(Weight);
        writer.WriteUInt16(Port);

        // RFC 2782 forbids compressing the SRV target, but RFC 6762 18.14 allows it; we write it
        // uncompressed so that plain unicast DNS parsers read it too.
        writer.WriteName(Target, allowCompression: false);
    }

    public override string ToString() => $"{Priority} {Weight} {Port} {Target}";
}
