namespace PeerMesh.Discovery.Dns;

/// <summary>Rdata of a type we do not interpret, kept as bytes (names inside it are not decompressed).</summary>
internal sealed class UnknownRecordData(byte[] raw) : DnsRecordData
{
    public byte[] Raw { get; } = raw;

    internal override void Write(DnsWriter writer) => writer.WriteBytes(Raw);

    public override string ToString() => Convert.ToHexString(Raw);
}
