using System.Net;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Discovery.Tests.Mdns;

/// <summary>Collects join candidates.</summary>
internal sealed class RecordingSink : IJoinCandidateSink
{
    private readonly List<(IPEndPoint EndPoint, DiscoverySource Source, string? NodeId)> _offers = [];

    public IReadOnlyList<(IPEndPoint EndPoint, DiscoverySource Source, string? NodeId)> Offers
    {
        get
        {
            lock (_offers)
            {
                return _offers.ToList();
            }
        }
    }

    public void OfferCandidate(IPEndPoint gossipEndPoint, DiscoverySource source, string? nodeId = null)
    {
        lock (_offers)
        {
            _offers.Add((gossipEndPoint, source, nodeId));
        }
    }
}
