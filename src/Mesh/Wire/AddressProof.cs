using System.Buffers.Binary;
using System.Net;
using System.Text;
using PeerMesh.Mesh.Identity;

namespace PeerMesh.Mesh.Wire;

/// <summary>
/// Proof that a node answers at an address nobody signed (HOSTILE 9). A node bound to any address
/// advertises none, so its address is where its packets come from, and the sender id of a packet is
/// not authenticated: anyone can replay its signed alive. Before such an address is believed, the
/// receiver sends a ping with a fresh nonce there; the node must answer with a signature over the
/// nonce, the challenger's id, its own id and the address it saw the challenge come from. A replayer
/// cannot sign, and one that forwards the challenge to the real node gets a proof naming its own
/// address, which is not the challenger's.
/// </summary>
internal static class AddressProof
{
    public const int NonceSize = 16;
    private const int SignatureSize = 64;
    private static readonly byte[] s_context = Encoding.ASCII.GetBytes("peermesh address proof v1\0");

    /// <summary>The ack to a challenge <paramref name="seq"/> that came from <paramref name="seenFrom"/>: signed by <paramref name="identity"/>.</summary>
    public static AckMessage Answer(NodeIdentity identity, long seq, byte[] nonce, string challengerId, IPEndPoint seenFrom) => new()
    {
        Seq = seq,
        Proof = identity.Sign(SignedBytes(nonce, challengerId, identity.Id, seenFrom)),
        SeenAddress = seenFrom.Address.GetAddressBytes(),
        SeenPort = seenFrom.Port,
    };

    public static bool Verify(byte[] publicKey, byte[] nonce, string challengerId, string responderId, IPEndPoint seenFrom, byte[]? proof) =>
        proof is { Length: SignatureSize }
        && NodeIdentity.Verify(publicKey, SignedBytes(nonce, challengerId, responderId, seenFrom), proof);

    private static byte[] SignedBytes(byte[] nonce, string challengerId, string responderId, IPEndPoint seenFrom)
    {
        var address = seenFrom.Address.IsIPv4MappedToIPv6 ? seenFrom.Address.MapToIPv4() : seenFrom.Address;
        var bytes = new List<byte>(128);
        bytes.AddRange(s_context);
        bytes.AddRange(nonce);
        bytes.AddRange(Encoding.ASCII.GetBytes(challengerId));
        bytes.AddRange(Encoding.ASCII.GetBytes(responderId));
        bytes.AddRange(address.GetAddressBytes());
        Span<byte> port = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(port, (ushort)seenFrom.Port);
        bytes.AddRange(port.ToArray());
        return [.. bytes];
    }
}
