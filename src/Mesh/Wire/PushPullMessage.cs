using MessagePack;

namespace PeerMesh.Mesh.Wire;

/// <summary>
/// One part of a full state exchange. State bigger than a datagram is split into parts that are
/// each merged on their own (no reassembly buffer to exhaust).
/// </summary>
[MessagePackObject]
public sealed class PushPullMessage : MeshMessage
{
    /// <summary>Identifies the exchange; a reply echoes it.</summary>
    [Key(1)]
    public long ExchangeId { get; set; }

    /// <summary>True for the answer; a request is answered once with the full local state.</summary>
    [Key(2)]
    public bool IsReply { get; set; }

    [Key(3)]
    public int Part { get; set; }

    [Key(4)]
    public int PartCount { get; set; }

    /// <summary>Member states (alive/suspect/dead/left records, with repos).</summary>
    [Key(5)]
    public MemberUpdate[]? States { get; set; }
}
