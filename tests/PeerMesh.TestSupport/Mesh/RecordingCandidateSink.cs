using System.Net;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.TestSupport.Mesh;

/// <summary>An <see cref="IJoinCandidateSink"/> that records what it was offered (thread-safe).</summary>
internal sealed class RecordingCandidateSink : IJoinCandidateSink
{
    private readonly Lock _lock = new();
    private readonly List<(IPEndPoint EndPoint, DiscoverySource Source, string? NodeId)> _offers = [];

    public IReadOnlyList<(IPEndPoint EndPoint, DiscoverySource Source, string? NodeId)> Offers
    {
        get
        {
            lock (_lock)
            {
                return [.. _offers];
            }
        }
    }

    public void OfferCandidate(IPEndPoint gossipEndPoint, DiscoverySource source, string? nodeId = null)
    {
        lock (_lock)
        {
            _offers.Add((gossipEndPoint, source, nodeId));
        }
    }
}
