namespace PeerMesh.Discovery.Dns;

/// <summary>The rdata of a record. Compared by canonical bytes (uncompressed, names lower-cased).</summary>
internal abstract class DnsRecordData
{
    /// <summary>Writes the rdata (names may be compressed) at the writer's position.</summary>
    internal abstract void Write(DnsWriter writer);

    /// <summary>Uncompressed rdata with names lower-cased: what RFC 6762 compares for conflicts and tie-breaks.</summary>
    public byte[] ToCanonicalBytes()
    {
        var writer = new DnsWriter(compress: false, lowerCaseNames: true);
        Write(writer);
        return writer.ToArray();
    }

    public bool RdataEquals(DnsRecordData other) => ToCanonicalBytes().AsSpan().SequenceEqual(other.ToCanonicalBytes());
}
