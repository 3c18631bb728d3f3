using System.Net;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Transport;
using PeerMesh.Mesh.Wire;

namespace PeerMesh.TestSupport.Mesh;

/// <summary>
/// A bare endpoint on the in-memory network that answers address challenges as <see cref="NodeIdentity"/>
/// and nothing else: the honest node whose announcements a hostile test sends by hand (HOSTILE 9).
/// </summary>
internal static class ChallengeResponder
{
    public static InMemoryTransport Attach(InMemoryNetwork network, NodeIdentity identity, IPEndPoint? endPoint = null)
    {
        var transport = network.CreateTransport(endPoint);
        var codec = new MeshCodec("peermesh", identity.Id, null, TimeSpan.FromSeconds(60), TimeProvider.System, 1400);
        transport.Start(datagram =>
        {
            var decoded = codec.Decode(datagram.Data);
            if (decoded.Message is PingMessage { Nonce: { Length: AddressProof.NonceSize } nonce } ping && ping.TargetId == identity.Id)
            {
                transport.Send(datagram.Source, codec.Encode(AddressProof.Answer(identity, ping.Seq, nonce, decoded.SenderId!, datagram.Source)));
            }
        });
        return transport;
    }
}
