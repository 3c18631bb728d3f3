using MessagePack;

namespace PeerMesh.Mesh.Wire;

/// <summary>
/// One part of the answer to a <see cref="RepoRequestMessage"/>: the answerer's repository statements, each signed by it
/// (the first part also carries its alive in <see cref="MeshMessage.Updates"/>). Parts are merged on their own (no
/// reassembly buffer); the receiver knows it has the whole set when the ids it holds match the alive's digest.
/// Statements learned this way are not relayed: they are the answerer's current state, asked for by one member.
/// </summary>
[MessagePackObject]
public sealed class RepoListMessage : MeshMessage
{
    [Key(1)]
    public MemberUpdate[]? Statements { get; set; }
}
