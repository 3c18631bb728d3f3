using System.Buffers.Binary;
using System.Text;
using PeerMesh.Mesh.Identity;

namespace PeerMesh.Mesh.Wire;

/// <summary>
/// Ed25519 signatures on what a node says about another one (suspect, dead): the claimant (<see cref="MemberUpdate.From"/>)
/// signs (kind, subject id, incarnation, claimant id) under its own context, carries its public key, and relays keep
/// both, so any receiver can tell who claims it and count independent confirmations by verified claimant (HOSTILE 46).
/// Whether the claimant is a member, and whether the incarnation is plausible, is the receiver's check, not this one's.
/// </summary>
internal static class ClaimSigning
{
    private const int SignatureSize = 64;
    private const int IdLength = 32;
    private static readonly byte[] s_context = Encoding.ASCII.GetBytes("peermesh claim v1\0");

    public static bool IsClaim(UpdateKind kind) => kind is UpdateKind.Suspect or UpdateKind.Dead;

    /// <summary>A claim by <paramref name="claimant"/> that <paramref name="subjectId"/> is <paramref name="kind"/> at <paramref name="incarnation"/>.</summary>
    public static MemberUpdate Create(UpdateKind kind, string subjectId, long incarnation, NodeIdentity claimant)
    {
        var claim = new MemberUpdate { Kind = kind, NodeId = subjectId, Incarnation = incarnation, From = claimant.Id, PublicKey = claimant.PublicKey };
        claim.Signature = claimant.Sign(SignedBytes(claim));
        return claim;
    }

    /// <summary>True when the claim names a claimant other than its subject, carries that claimant's key and its valid signature.</summary>
    public static bool Verify(MemberUpdate claim)
    {
        if (!IsClaim(claim.Kind) || claim.From is not { Length: IdLength } from || from == claim.NodeId || claim.NodeId.Length != IdLength
            || claim.PublicKey is not { Length: UpdateSigning.PublicKeySize } key || claim.Signature is not { Length: SignatureSize } signature)
        {
            return false;
        }

        return NodeIdentity.IdFromPublicKey(key) == from && NodeIdentity.Verify(key, SignedBytes(claim), signature);
    }

    private static byte[] SignedBytes(MemberUpdate claim)
    {
        // Ids are validated 32-character lower-case hex before this is used, so the layout is fixed-length.
        var bytes = new byte[s_context.Length + 1 + IdLength + sizeof(long) + IdLength];
        var span = bytes.AsSpan();
        s_context.CopyTo(span);
        span = span[s_context.Length..];
        span[0] = (byte)claim.Kind;
        Encoding.ASCII.GetBytes(claim.NodeId.AsSpan(0, IdLength), span[1..]);
        BinaryPrimitives.WriteInt64BigEndian(span[(1 + IdLength)..], claim.Incarnation);
        Encoding.ASCII.GetBytes(claim.From.AsSpan(0, IdLength), span[(1 + IdLength + sizeof(long))..]);
        return bytes;
    }
}
