using MessagePack;

namespace PeerMesh.Mesh.Wire;

/// <summary>
/// One gossip payload (the inside of an envelope). Every message can carry piggybacked
/// updates. Public only because MessagePack's dynamic resolver builds formatters for public types.
/// </summary>
[Union(0, typeof(PingMessage))]
[Union(1, typeof(AckMessage))]
[Union(2, typeof(PingReqMessage))]
[Union(3, typeof(GossipMessage))]
[Union(4, typeof(PushPullMessage))]
[Union(5, typeof(RepoRequestMessage))]
[Union(6, typeof(RepoListMessage))]
public abstract class MeshMessage
{
    /// <summary>Piggybacked membership and repo updates.</summary>
    [Key(0)]
    public MemberUpdate[]? Updates { get; set; }
}
