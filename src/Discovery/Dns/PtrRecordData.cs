namespace PeerMesh.Discovery.Dns;

internal sealed class PtrRecordData(DnsName target) : DnsRecordData
{
    public DnsName Target { get; } = target;

    internal override void Write(DnsWriter writer) => writer.WriteName(Target);

    public override string ToString() => Target.ToString();
}
