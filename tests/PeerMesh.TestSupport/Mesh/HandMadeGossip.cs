using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Wire;

namespace PeerMesh.TestSupport.Mesh;

/// <summary>Gossip made by hand, as a raw endpoint or an attacker sends it: signed alives and open-mesh datagrams.</summary>
internal static class HandMadeGossip
{
    /// <summary>An open-mesh codec whose datagrams name <paramref name="senderId"/> in the (unauthenticated) header.</summary>
    public static MeshCodec Codec(string senderId) =>
        new("peermesh", senderId, null, TimeSpan.FromSeconds(60), TimeProvider.System, 1400);

    public static byte[] Encode(string senderId, MeshMessage message) => Codec(senderId).Encode(message);

    /// <summary>What <paramref name="identity"/>'s node announces about itself, signed with its key.</summary>
    public static MemberUpdate SignedAlive(
        NodeIdentity identity, byte[]? address, int port, long incarnation, string name, int gitPort = 0, WireRepo[]? repos = null)
    {
        var update = new MemberUpdate
        {
            Kind = UpdateKind.Alive,
            NodeId = identity.Id,
            Incarnation = incarnation,
            Name = name,
            Address = address,
            Port = port,
            GitPort = gitPort,
            Repos = repos ?? [],
        };
        UpdateSigning.Sign(update, identity);
        return update;
    }
}
