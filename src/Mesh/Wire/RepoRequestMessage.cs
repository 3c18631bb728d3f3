using MessagePack;

namespace PeerMesh.Mesh.Wire;

/// <summary>
/// "Send me your repository statements": sent to a member whose announced repository set (count and digest in its
/// alive) differs from what the sender holds. Answered only to a live member at its known address, at most once per
/// probe interval, with the answerer's alive and every repository statement it holds, in <see cref="GossipMessage"/>s
/// that each fit one datagram.
/// </summary>
[MessagePackObject]
public sealed class RepoRequestMessage : MeshMessage
{
}
