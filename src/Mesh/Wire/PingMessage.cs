using MessagePack;

namespace PeerMesh.Mesh.Wire;

/// <summary>Direct probe. The receiver acks only if <see cref="TargetId"/> is its own id (a restarted node at an old address does not).</summary>
[MessagePackObject]
public sealed class PingMessage : MeshMessage
{
    [Key(1)]
    public long Seq { get; set; }

    [Key(2)]
    public string TargetId { get; set; } = "";
}
