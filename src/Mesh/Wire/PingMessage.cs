using MessagePack;

namespace PeerMesh.Mesh.Wire;

/// <summary>Direct probe, or a challenge to prove an address. The receiver acks only if <see cref="TargetId"/> is its own id (a restarted node at an old address does not).</summary>
[MessagePackObject]
public sealed class PingMessage : MeshMessage
{
    [Key(1)]
    public long Seq { get; set; }

    [Key(2)]
    public string TargetId { get; set; } = "";

    /// <summary>An address challenge when set: the ack must carry the target's proof over it (see <c>AddressProof</c>).</summary>
    [Key(3)]
    public byte[]? Nonce { get; set; }
}
