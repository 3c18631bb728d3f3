using MessagePack;

namespace PeerMesh.Mesh.Wire;

/// <summary>Answer to a ping (or relayed answer to a ping-req), matched by sequence number.</summary>
[MessagePackObject]
public sealed class AckMessage : MeshMessage
{
    [Key(1)]
    public long Seq { get; set; }
}
