using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Discovery.Mdns.Sockets;
using PeerMesh.Mesh.Membership;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Netns;

namespace PeerMesh.Benchmarks;

/// <summary>
/// The discovery latency over real multicast: two hosts of a netns test bed on one link (never the
/// host's interfaces); a node in the first lists a node started, 20 times, in the second.
/// </summary>
internal static class MdnsNamespaceBenchmark
{
    public static async Task RunAsync(int starts, TextWriter output, CancellationToken cancellationToken)
    {
        await output.WriteLineAsync();
        await output.WriteLineAsync("## mDNS discovery latency (real multicast between two network namespaces on a bridge, wall clock)");
        await output.WriteLineAsync();
        if (await NetnsTestBed.GetSkipReasonAsync(cancellationToken) is { } skip)
        {
            await output.WriteLineAsync("skipped: " + skip);
            return;
        }

        await using var bed = await NetnsTestBed.CreateAsync(2, cancellationToken);
        var a = NamespaceSockets.InterfaceOf(bed.Hosts[0]);
        var b = NamespaceSockets.InterfaceOf(bed.Hosts[1]);
        using var threadA = bed.Hosts[0].StartThread();
        using var threadB = bed.Hosts[1].StartThread();
        var sinkA = new Sink();
        await using var existing = Create(threadA, a, "aa000001", sinkA, 0);
        await existing.StartAsync(cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var samples = new List<TimeSpan>();
        for (var run = 0; run < starts && !cancellationToken.IsCancellationRequested; run++)
        {
            var nodeId = "bb" + run.ToString("x6", CultureInfo.InvariantCulture);
            await using var fresh = Create(threadB, b, nodeId, new Sink(), run);
            var started = Stopwatch.GetTimestamp();
            await fresh.StartAsync(cancellationToken);
            await Poll.UntilAsync($"{nodeId} listed by the first node", () => sinkA.Has(nodeId), TimeSpan.FromSeconds(30), cancellationToken, TimeSpan.FromMilliseconds(2));
            samples.Add(Stopwatch.GetElapsedTime(started));
            await fresh.StopAsync(cancellationToken);
            await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
        }

        await output.WriteLineAsync("| starts | p50 | p99 | max | target |");
        await output.WriteLineAsync("| ---: | ---: | ---: | ---: | --- |");
        await output.WriteLineAsync(FormattableString.Invariant(
            $"| {samples.Count} | {MdnsBenchmark.Ms(MdnsBenchmark.Percentile(samples, 50))} | {MdnsBenchmark.Ms(MdnsBenchmark.Percentile(samples, 99))} | {MdnsBenchmark.Ms(samples.Max())} | < 1 s |"));
    }

    private static MdnsDiscovery Create(NetnsThread thread, MdnsInterface networkInterface, string nodeId, IJoinCandidateSink sink, int seed)
    {
        var options = new MdnsOptions();
        var counters = new MdnsCounters();
        // The MdnsDiscovery returned below owns the transport and disposes it.
#pragma warning disable CA2000
        var sockets = new NamespaceSockets(thread, networkInterface);
        var transport = new UdpMdnsTransport(options, sockets, sockets, TimeProvider.System, NullLogger.Instance, counters);
#pragma warning restore CA2000
        var advertisement = new MdnsAdvertisement(nodeId, "bench", "mesh", 9419, 0, []);
        return new MdnsDiscovery(options, advertisement, sink, TimeProvider.System, NullLogger.Instance, transport, counters, new Random(seed));
    }

    private sealed class Sink : IJoinCandidateSink
    {
        private readonly ConcurrentDictionary<string, bool> _ids = new();

        public bool Has(string nodeId) => _ids.ContainsKey(nodeId);

        public void OfferCandidate(IPEndPoint gossipEndPoint, DiscoverySource source, string? nodeId = null) => _ids[nodeId ?? ""] = true;
    }
}
