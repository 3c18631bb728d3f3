using System.Net;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Transport;
using PeerMesh.Mesh.Wire;

namespace PeerMesh.TestSupport.Mesh;

/// <summary>
/// A bare endpoint on the in-memory network that answers pings and address challenges as <see cref="NodeIdentity"/>
/// and nothing else: the honest node whose announcements a hostile test sends by hand (HOSTILE 9).
/// </summary>
internal static class ChallengeResponder
{
    /// <param name="unanswered">How many challenges go unanswered first (lost on the way).</param>
    public static InMemoryTransport Attach(InMemoryNetwork network, NodeIdentity identity, IPEndPoint? endPoint = null, int unanswered = 0)
    {
        var transport = network.CreateTransport(endPoint);
        var codec = HandMadeGossip.Codec(identity.Id);
        transport.Start(datagram =>
        {
            var decoded = codec.Decode(datagram.Data);
            if (decoded.Message is not PingMessage ping || ping.TargetId != identity.Id)
            {
                return;
            }

            if (ping.Nonce is not { Length: AddressProof.NonceSize } nonce)
            {
                transport.Send(datagram.Source, codec.Encode(new AckMessage { Seq = ping.Seq }));
            }
            else if (unanswered-- <= 0)
            {
                transport.Send(datagram.Source, codec.Encode(AddressProof.Answer(identity, ping.Seq, nonce, decoded.SenderId!, datagram.Source)));
            }
        });
        return transport;
    }
}
