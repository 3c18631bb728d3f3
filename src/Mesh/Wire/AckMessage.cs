using MessagePack;

namespace PeerMesh.Mesh.Wire;

/// <summary>Answer to a ping (or relayed answer to a ping-req), matched by sequence number.</summary>
[MessagePackObject]
public sealed class AckMessage : MeshMessage
{
    [Key(1)]
    public long Seq { get; set; }

    /// <summary>Answer to a challenge: the responder's signature (see <c>AddressProof</c>).</summary>
    [Key(2)]
    public byte[]? Proof { get; set; }

    /// <summary>Where the responder saw the challenge come from (signed in <see cref="Proof"/>).</summary>
    [Key(3)]
    public byte[]? SeenAddress { get; set; }

    [Key(4)]
    public int SeenPort { get; set; }
}
