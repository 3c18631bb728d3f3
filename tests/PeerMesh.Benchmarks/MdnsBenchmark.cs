using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Discovery.Mdns.InMemory;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Benchmarks;

/// <summary>
/// mDNS: how long until a freshly started node is listed by every other node, and how many bytes
/// each node sends per minute once everything is settled. Runs the real responder and browser on
/// the in-memory link in virtual time (FakeTimeProvider), so the figures are the protocol's own
/// (probing, announcing, back-off), not the machine's; `--netns` adds a real-multicast run in
/// network namespaces (root).
/// </summary>
internal sealed class MdnsBenchmark : IBenchmark
{
    private static readonly TimeSpan s_step = TimeSpan.FromMilliseconds(1);

    public string Name => "mdns";

    public string Description => "mDNS: time until a new node is listed (p50/p99 of 20 starts); bytes per node per minute at rest";

    public async Task RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        var starts = IntArg(args, "--starts", 20);
        var restMinutes = IntArg(args, "--rest-minutes", 30);

        await output.WriteLineAsync("## mDNS discovery latency (in-memory link, 1 ms latency, virtual time)");
        await output.WriteLineAsync();
        await output.WriteLineAsync("| existing nodes | starts | p50 | p99 | max | target |");
        await output.WriteLineAsync("| ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var existing in new[] { 1, 3, 10 })
        {
            var samples = await MeasureLatencyAsync(existing, starts, cancellationToken);
            await output.WriteLineAsync(FormattableString.Invariant(
                $"| {existing} | {starts} | {Ms(Percentile(samples, 50))} | {Ms(Percentile(samples, 99))} | {Ms(samples.Max())} | < 1 s |"));
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync(FormattableString.Invariant($"## mDNS traffic at rest ({restMinutes} virtual minutes after a 10-minute settle)"));
        await output.WriteLineAsync();
        await output.WriteLineAsync("| nodes | sent B/node/min | received B/node/min | packets sent/node/min | target |");
        await output.WriteLineAsync("| ---: | ---: | ---: | ---: | --- |");
        foreach (var nodes in new[] { 2, 5, 10 })
        {
            var (sent, received, packets) = await MeasureRestAsync(nodes, restMinutes, cancellationToken);
            await output.WriteLineAsync(FormattableString.Invariant($"| {nodes} | {sent:F0} | {received:F0} | {packets:F2} | < 1 KB sent |"));
        }

        if (args.Contains("--netns"))
        {
            await MdnsNamespaceBenchmark.RunAsync(starts, output, cancellationToken);
        }
    }

    private static async Task<List<TimeSpan>> MeasureLatencyAsync(int existingCount, int starts, CancellationToken cancellationToken)
    {
        var time = new FakeTimeProvider();
        var network = new InMemoryMdnsNetwork(time, TimeSpan.FromMilliseconds(1));
        var existing = new List<(MdnsDiscovery Node, CountingSink Sink)>();
        for (var i = 0; i < existingCount; i++)
        {
            var sink = new CountingSink();
            var node = CreateNode(network, time, i, sink, new Random(i));
            await node.StartAsync(cancellationToken);
            existing.Add((node, sink));
        }

        Advance(time, TimeSpan.FromSeconds(10));
        var samples = new List<TimeSpan>();
        for (var run = 0; run < starts && !cancellationToken.IsCancellationRequested; run++)
        {
            var index = 1000 + run;
            var nodeId = NodeId(index);
            var fresh = CreateNode(network, time, index, new CountingSink(), new Random(run * 7919));
            var started = time.GetUtcNow();
            await fresh.StartAsync(cancellationToken);
            while (!existing.All(e => e.Sink.Has(nodeId)))
            {
                time.Advance(s_step);
                if (time.GetUtcNow() - started > TimeSpan.FromMinutes(1))
                {
                    throw new InvalidOperationException("a new node was not listed within a minute");
                }
            }

            samples.Add(time.GetUtcNow() - started);
            await fresh.DisposeAsync();
            Advance(time, TimeSpan.FromSeconds(3));
        }

        foreach (var (node, _) in existing)
        {
            await node.DisposeAsync();
        }

        return samples;
    }

    private static async Task<(double Sent, double Received, double Packets)> MeasureRestAsync(int count, int minutes, CancellationToken cancellationToken)
    {
        var time = new FakeTimeProvider();
        var network = new InMemoryMdnsNetwork(time, TimeSpan.FromMilliseconds(1));
        var nodes = new List<MdnsDiscovery>();
        for (var i = 0; i < count; i++)
        {
            var node = CreateNode(network, time, i, new CountingSink(), new Random(i));
            await node.StartAsync(cancellationToken);
            nodes.Add(node);
        }

        Advance(time, TimeSpan.FromMinutes(10), TimeSpan.FromMilliseconds(5));
        var before = nodes.Select(n => (n.Counters.BytesOut, n.Counters.BytesIn, n.Counters.PacketsOut)).ToList();
        Advance(time, TimeSpan.FromMinutes(minutes), TimeSpan.FromMilliseconds(5));
        var sent = nodes.Select((n, i) => n.Counters.BytesOut - before[i].BytesOut).Average();
        var received = nodes.Select((n, i) => n.Counters.BytesIn - before[i].BytesIn).Average();
        var packets = nodes.Select((n, i) => n.Counters.PacketsOut - before[i].PacketsOut).Average();
        if (nodes.Any(n => n.Status.PeersFound != count - 1))
        {
            throw new InvalidOperationException("a node lost a peer at rest");
        }

        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }

        return (sent / minutes, received / minutes, packets / minutes);
    }

    private static MdnsDiscovery CreateNode(InMemoryMdnsNetwork network, TimeProvider time, int index, IJoinCandidateSink sink, Random random)
    {
        var address = new IPAddress([198, 18, (byte)(index / 250), (byte)(1 + index % 250)]);
        var transport = network.Attach(address);
        var repo = new RepoAnnouncement("0123456789abcdef0123456789abcdef01234567", "project", "/project", "digest", 1);
        var advertisement = new MdnsAdvertisement(NodeId(index), "host-" + index.ToString(CultureInfo.InvariantCulture), "mesh", 9419, 9418, ImmutableArray.Create(repo));
        return new MdnsDiscovery(new MdnsOptions(), advertisement, sink, time, NullLogger.Instance, transport, random: random);
    }

    private static string NodeId(int index) => index.ToString("x8", CultureInfo.InvariantCulture) + "00000000000000000000000000000000"[..24];

    private static void Advance(FakeTimeProvider time, TimeSpan by, TimeSpan? step = null)
    {
        var s = step ?? s_step;
        for (var t = TimeSpan.Zero; t < by; t += s)
        {
            time.Advance(s);
        }
    }

    internal static TimeSpan Percentile(List<TimeSpan> samples, int percentile)
    {
        var sorted = samples.Order().ToList();
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }

    internal static string Ms(TimeSpan value) => value.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture) + " ms";

    private static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }

    private sealed class CountingSink : IJoinCandidateSink
    {
        private readonly HashSet<string> _ids = [];

        public bool Has(string nodeId)
        {
            lock (_ids)
            {
                return _ids.Contains(nodeId);
            }
        }

        public void OfferCandidate(IPEndPoint gossipEndPoint, DiscoverySource source, string? nodeId = null)
        {
            lock (_ids)
            {
                _ids.Add(nodeId ?? "");
            }
        }
    }
}
