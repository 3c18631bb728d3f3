using System.Collections.Immutable;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Discovery.Mdns.InMemory;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Fuzz.Targets;

/// <summary>The mDNS targets' node and the real traffic of two nodes finding each other (probes, announcements, queries, answers).</summary>
internal static class MdnsSeeds
{
    public const string MeshId = "mesh";

    public static MdnsAdvertisement Advertisement(string nodeId, string name) =>
        new(nodeId, name, MeshId, 9419, 9418, ImmutableArray.Create(new RepoAnnouncement("0123456789abcdef0123456789abcdef01234567", "project", "/project", "digest", 1)));

    public static MdnsDiscovery Node(InMemoryMdnsTransport transport, TimeProvider time, MdnsAdvertisement advertisement, ILogger logger) =>
        new(new MdnsOptions { MaxPacketsPerSourcePerSecond = 0 }, advertisement, new NullJoinCandidateSink(), time, logger, transport, random: new Random(1));

    public static async Task<List<byte[]>> PacketsAsync()
    {
        var time = new FakeTimeProvider();
        var network = new InMemoryMdnsNetwork(time, TimeSpan.FromMilliseconds(1));
        var packets = new List<byte[]>();
        network.Sent += (_, _, payload) => packets.Add(payload);
        await using var a = Node(network.Attach(IPAddress.Parse("198.18.0.1")), time, Advertisement("aa01", "alice"), NullLogger.Instance);
        var b = Node(network.Attach(IPAddress.Parse("198.18.0.2")), time, Advertisement("bb02", "bob"), NullLogger.Instance);
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        for (var t = 0; t < 3000; t += 5)
        {
            time.Advance(TimeSpan.FromMilliseconds(5));
        }

        await b.DisposeAsync();
        for (var t = 0; t < 500; t += 5)
        {
            time.Advance(TimeSpan.FromMilliseconds(5));
        }

        return packets.DistinctBy(Convert.ToBase64String).ToList();
    }

    private sealed class NullJoinCandidateSink : IJoinCandidateSink
    {
        public void OfferCandidate(IPEndPoint gossipEndPoint, DiscoverySource source, string? nodeId = null)
        {
        }
    }
}
