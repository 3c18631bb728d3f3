using MessagePack;

namespace PeerMesh.Mesh.Wire;

/// <summary>Indirect probe: "please ping this member and tell me (ack with my <see cref="Seq"/>) if it answers".</summary>
[MessagePackObject]
public sealed class PingReqMessage : MeshMessage
{
    [Key(1)]
    public long Seq { get; set; }

    [Key(2)]
    public string TargetId { get; set; } = "";

    [Key(3)]
    public byte[] TargetAddress { get; set; } = [];

    [Key(4)]
    public int TargetPort { get; set; }
}
