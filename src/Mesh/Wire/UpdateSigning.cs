using PeerMesh.Mesh.Identity;

namespace PeerMesh.Mesh.Wire;

/// <summary>
/// Ed25519 signatures on what a node says about itself (alive, left, repo, repo removed): the originator signs the
/// MessagePack form of the update without the signature and the relay-only fields, relays keep the
/// signature, and a receiver accepts the id only if it is the hash of the carried public key.
/// </summary>
internal static class UpdateSigning
{
    public const int PublicKeySize = 32;

    public static bool IsSelfStatement(UpdateKind kind) => kind is UpdateKind.Alive or UpdateKind.Left or UpdateKind.Repo or UpdateKind.RepoRemoved;

    public static void Sign(MemberUpdate update, NodeIdentity identity)
    {
        update.PublicKey = identity.PublicKey;
        update.Signature = null;
        update.Signature = identity.Sign(SignedBytes(update));
    }

    /// <summary>True when the update carries a public key whose id is the subject's and a valid signature by it.</summary>
    public static bool Verify(MemberUpdate update)
    {
        if (update.PublicKey is not { Length: PublicKeySize } key || update.Signature is not { Length: 64 } signature)
        {
            return false;
        }

        return NodeIdentity.IdFromPublicKey(key) == update.NodeId && NodeIdentity.Verify(key, SignedBytes(update), signature);
    }

    private static byte[] SignedBytes(MemberUpdate update)
    {
        var copy = update.Clone();
        copy.Signature = null;
        copy.ObservedAddress = null;
        copy.From = null;
        return MeshWireFormat.Serialize(copy);
    }
}
