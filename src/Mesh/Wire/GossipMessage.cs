using MessagePack;

namespace PeerMesh.Mesh.Wire;

/// <summary>Only piggybacked updates (the periodic gossip and the direct repo update).</summary>
[MessagePackObject]
public sealed class GossipMessage : MeshMessage
{
}
