using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Discovery.Mdns.InMemory;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Options;
using PeerMesh.Mesh.Transport;
using PeerMesh.TestSupport.Keys;

namespace PeerMesh.Benchmarks;

/// <summary>
/// mDNS: how long until a freshly started node is listed alive by every other node (their meshes, joined
/// over gossip) and heard by their mDNS browsers, and how many bytes each node sends per minute once
/// everything is settled. Runs the real responder, browser and mesh on in-memory links in virtual time
/// (FakeTimeProvider), so the figures are the protocol's own (query, answer delays, probing, announcing,
/// back-off), not the machine's; `--netns` adds a real-multicast run in network namespaces (root), and
/// `mdns-join` measures the joined path there.
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

        await output.WriteLineAsync("## A new node listed alive by all others, mDNS only (in-memory links, 1 ms latency, virtual time, LAN defaults)");
        await output.WriteLineAsync();
        await output.WriteLineAsync("Listed alive: in every other node's membership (it joined the nodes that answered its first query). Heard: every other node's mDNS browser has its own names, probed and announced.");
        await output.WriteLineAsync();
        await output.WriteLineAsync("| existing nodes | starts | listed alive p50 | p99 | max | heard on mDNS p50 | p99 | goal |");
        await output.WriteLineAsync("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var existing in new[] { 1, 3, 10 })
        {
            var (listed, heard) = await MeasureLatencyAsync(existing, starts, cancellationToken);
            await output.WriteLineAsync(FormattableString.Invariant(
                $"| {existing} | {starts} | {Ms(Percentile(listed, 50))} | {Ms(Percentile(listed, 99))} | {Ms(listed.Max())} | {Ms(Percentile(heard, 50))} | {Ms(Percentile(heard, 99))} | listed < 300 ms |"));
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

    /// <summary>
    /// Per start of a new node beside <paramref name="existingCount"/> running ones, in virtual time: until every
    /// existing mesh lists it alive (issue 15's figure, goal 300 ms), and until every existing browser heard it.
    /// </summary>
    public static async Task<(List<TimeSpan> Listed, List<TimeSpan> Heard)> MeasureLatencyAsync(int existingCount, int starts, CancellationToken cancellationToken)
    {
        var time = new FakeTimeProvider();
        var network = new InMemoryMdnsNetwork(time, TimeSpan.FromMilliseconds(1));
        using var gossip = new InMemoryNetwork(time, seed: existingCount);
        using var identities = new TestIdentities();
        var existing = new List<(MdnsDiscovery Node, MeshNode Mesh, CountingSink Sink)>();
        for (var i = 0; i < existingCount; i++)
        {
            var (node, mesh, sink) = CreateMeshNode(network, gossip, identities, time, i, new Random(i));
            await mesh.StartAsync(cancellationToken);
            await node.StartAsync(cancellationToken);
            existing.Add((node, mesh, sink));
        }

        Advance(time, TimeSpan.FromSeconds(10));
        var listed = new List<TimeSpan>();
        var heard = new List<TimeSpan>();
        for (var run = 0; run < starts && !cancellationToken.IsCancellationRequested; run++)
        {
            var (fresh, freshMesh, _) = CreateMeshNode(network, gossip, identities, time, 1000 + run, new Random(run * 7919));
            var id = freshMesh.LocalId;
            await freshMesh.StartAsync(cancellationToken);
            var started = time.GetUtcNow();
            await fresh.StartAsync(cancellationToken);
            TimeSpan? listedAfter = null;
            while (!existing.All(e => e.Sink.Has(id)))
            {
                time.Advance(s_step);
                if (listedAfter is null && existing.All(e => e.Mesh.Current.Find(id) is { State: MemberState.Alive }))
                {
                    listedAfter = time.GetUtcNow() - started;
                }

                if (time.GetUtcNow() - started > TimeSpan.FromMinutes(1))
                {
                    throw new InvalidOperationException("a new node was not listed within a minute");
                }
            }

            listed.Add(listedAfter ?? time.GetUtcNow() - started);
            heard.Add(time.GetUtcNow() - started);
            await fresh.DisposeAsync();
            await freshMesh.DisposeAsync();

            // Past the 30 s in which the members gossip to the one that left as well.
            Advance(time, TimeSpan.FromSeconds(31), TimeSpan.FromMilliseconds(5));
        }

        foreach (var (node, mesh, _) in existing)
        {
            await node.DisposeAsync();
            await mesh.DisposeAsync();
        }

        return (listed, heard);
    }

    /// <summary>A node as the CLI wires it: its mDNS discovery offers what it finds to its mesh (and to a counting sink).</summary>
    private static (MdnsDiscovery Node, MeshNode Mesh, CountingSink Sink) CreateMeshNode(
        InMemoryMdnsNetwork network, InMemoryNetwork gossip, TestIdentities identities, TimeProvider time, int index, Random random)
    {
        var address = new IPAddress([198, 18, (byte)(index / 250), (byte)(1 + index % 250)]);
        var options = MeshOptions.Lan();
        options.RandomSeed = index;
        var identity = identities[index.ToString(CultureInfo.InvariantCulture)];
        var mesh = new MeshNode(options, identity, "host-" + index.ToString(CultureInfo.InvariantCulture), gossip.CreateTransport(new IPEndPoint(address, 7946)), time, NullLogger<MeshNode>.Instance);
        var sink = new CountingSink(mesh);
        var advertisement = new MdnsAdvertisement(identity.Id, "host-" + index.ToString(CultureInfo.InvariantCulture), options.MeshId, 7946, 0, []);
        return (new MdnsDiscovery(new MdnsOptions(), advertisement, sink, time, NullLogger.Instance, network.Attach(address), random: random), mesh, sink);
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

    /// <summary>Records the node ids offered, and passes every offer on to <paramref name="next"/> when there is one.</summary>
    private sealed class CountingSink(IJoinCandidateSink? next = null) : IJoinCandidateSink
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

            next?.OfferCandidate(gossipEndPoint, source, nodeId);
        }
    }
}
