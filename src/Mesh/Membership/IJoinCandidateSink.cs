using System.Net;

namespace PeerMesh.Mesh.Membership;

/// <summary>
/// Where discovery sources (seeds, mDNS, last-known peers) hand the addresses they found.
/// The mesh contacts the candidate and admits it only through the gossip protocol.
/// </summary>
public interface IJoinCandidateSink
{
    /// <param name="gossipEndPoint">Address and gossip port of the candidate.</param>
    /// <param name="source">How it was found.</param>
    /// <param name="nodeId">The node id the source claims, if it knows one (untrusted).</param>
    void OfferCandidate(IPEndPoint gossipEndPoint, DiscoverySource source, string? nodeId = null);
}
