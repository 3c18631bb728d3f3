using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Discovery.Mdns.Sockets;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Options;
using PeerMesh.Mesh.Transport;
using PeerMesh.TestSupport.Netns;

namespace PeerMesh.Benchmarks;

/// <summary>
/// Issue 15's discovery row: a new host on the LAN, mDNS only (no seeds), until every other node lists it alive in
/// its membership. Each host is a network namespace of a test bed on one bridge (real multicast, real gossip UDP),
/// each node the real <see cref="MeshNode"/> and <see cref="MdnsDiscovery"/> wired as the CLI wires them (the mesh
/// is the discovery's join sink), in this process with the production defaults. Wall clock.
/// </summary>
internal sealed class MdnsJoinBenchmark : IBenchmark
{
    /// <summary>The goal for "listed alive by all others".</summary>
    public static readonly TimeSpan Goal = TimeSpan.FromMilliseconds(300);

    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(30);

    public string Name => "mdns-join";

    public string Description => "mDNS only: time until a new host is listed alive by all others (netns, root); --trials N --existing K";

    public async Task RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        var trials = BenchmarkMath.Option(args, "--trials", 20);
        var existing = BenchmarkMath.Option(args, "--existing", 3);
        await output.WriteLineAsync(FormattableString.Invariant(
            $"## A new host listed alive by all others, mDNS only ({existing} existing nodes, network namespaces on a bridge, wall clock)"));
        await output.WriteLineAsync();
        if (await NetnsTestBed.GetSkipReasonAsync(cancellationToken) is { } skip)
        {
            await output.WriteLineAsync("skipped: " + skip);
            return;
        }

        var figures = await MeasureAsync(existing, trials, cancellationToken);
        await WriteAsync(figures, output);
    }

    /// <summary>
    /// Runs <paramref name="trials"/> starts of a new node (a new identity and name each time) beside
    /// <paramref name="existing"/> nodes that already know each other, and returns what each start took.
    /// Needs root and network namespaces (<see cref="NetnsTestBed.GetSkipReasonAsync"/>).
    /// </summary>
    public static async Task<MdnsJoinFigures> MeasureAsync(int existing, int trials, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(existing, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        var root = Path.Combine(Path.GetTempPath(), "peermesh-mdns-join-" + Guid.NewGuid().ToString("N"));
        await using var bed = await NetnsTestBed.CreateAsync(existing + 1, cancellationToken);
        var threads = bed.Hosts.Select(h => h.StartThread()).ToList();
        var nodes = new List<Node>();
        try
        {
            for (var i = 0; i < existing; i++)
            {
                nodes.Add(await Node.StartAsync(bed.Hosts[i], threads[i], Path.Combine(root, "e" + i.ToString(CultureInfo.InvariantCulture)), "existing-" + i.ToString(CultureInfo.InvariantCulture), cancellationToken));
            }

            // The existing nodes found each other the same way; the trials start once they all agree.
            await TestSupport.Poll.UntilAsync(
                "the existing nodes list each other alive",
                () => nodes.All(n => nodes.All(o => o == n || n.Lists(o.Id))),
                s_limit,
                cancellationToken);

            var results = new List<MdnsJoinTrial>();
            for (var run = 0; run < trials; run++)
            {
                results.Add(await TrialAsync(bed.Hosts[existing], threads[existing], nodes, Path.Combine(root, "n" + run.ToString(CultureInfo.InvariantCulture)), run, cancellationToken));
            }

            return new MdnsJoinFigures(existing, results);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            foreach (var thread in threads)
            {
                thread.Dispose();
            }

            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    public static async Task WriteAsync(MdnsJoinFigures figures, TextWriter output)
    {
        await output.WriteLineAsync("| from the new node's mDNS start until | p50 | p99 | max |");
        await output.WriteLineAsync("| --- | ---: | ---: | ---: |");
        async Task RowAsync(string what, Func<MdnsJoinTrial, TimeSpan> stage, IReadOnlyList<MdnsJoinTrial>? only = null)
        {
            var trials = figures with { Trials = only ?? figures.Trials };
            await output.WriteLineAsync(only is { Count: 0 }
                ? $"| {what} | - | - | - |"
                : FormattableString.Invariant($"| {what} | {MdnsBenchmark.Ms(trials.Percentile(stage, 50))} | {MdnsBenchmark.Ms(trials.Percentile(stage, 99))} | {MdnsBenchmark.Ms(trials.Trials.Max(stage))} |"));
        }

        var answered = figures.Trials.Where(t => t.FirstAnswer is not null).ToList();
        await RowAsync(
            FormattableString.Invariant($"its first mDNS answer is in, before all listed it ({answered.Count} of {figures.Trials.Count} starts; query, the answerers' 20-120 ms delay, the link)"),
            t => t.FirstAnswer!.Value,
            answered);
        await RowAsync("a first existing node lists it alive (+ the join's push-pull)", t => t.FirstListed);
        await RowAsync($"**every existing node lists it alive** (goal < {MdnsBenchmark.Ms(Goal)})", t => t.AllListed);
        await RowAsync("every existing node's mDNS browser heard its announcement (probing 0-250 ms + 3 x 250 ms, announce)", t => t.AllHeardAnnouncement);
        await output.WriteLineAsync();
        await output.WriteLineAsync(FormattableString.Invariant(
            $"{figures.Trials.Count} starts beside {figures.Existing} existing nodes; listed by all before its own names were announced in {figures.Trials.Count(t => t.AllListed < t.AllHeardAnnouncement)} of them; p50 {(figures.Percentile(t => t.AllListed, 50) < Goal ? "meets" : "misses")} the goal."));
    }

    private static async Task<MdnsJoinTrial> TrialAsync(NetnsHost host, NetnsThread thread, List<Node> existing, string directory, int run, CancellationToken cancellationToken)
    {
        var newcomer = await Node.CreateAsync(host, thread, directory, "new-" + run.ToString(CultureInfo.InvariantCulture), cancellationToken);
        try
        {
            var id = newcomer.Id;
            var listed = existing.Select(n => n.WhenListsAliveAsync(id, s_limit, cancellationToken)).ToList();
            var started = Stopwatch.GetTimestamp();
            await newcomer.StartMdnsAsync(cancellationToken);
            var listedAt = await Task.WhenAll(listed);
            await TestSupport.Poll.UntilAsync(
                "every existing node's browser heard the new node",
                () => existing.All(n => n.HeardOnMdnsAt(id) is not null),
                s_limit,
                cancellationToken,
                TimeSpan.FromMilliseconds(5));
            TimeSpan Since(long timestamp) => Stopwatch.GetElapsedTime(started, timestamp);
            return new MdnsJoinTrial(
                newcomer.FirstOfferAt is { } answered && answered < listedAt.Max() ? Since(answered) : null,
                Since(listedAt.Min()),
                Since(listedAt.Max()),
                Since(existing.Max(n => n.HeardOnMdnsAt(id)!.Value)));
        }
        finally
        {
            await newcomer.DisposeAsync();
            await TestSupport.Poll.UntilAsync(
                "the existing nodes saw the new node leave",
                () => existing.All(n => !n.Lists(newcomer.Id)),
                s_limit,
                cancellationToken);
        }
    }

    /// <summary>One node: its mesh (the join sink) and its mDNS discovery, both with sockets in its host's namespace.</summary>
    private sealed class Node : IJoinCandidateSink, IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, long> _offeredAt = new(StringComparer.Ordinal);
        private readonly NodeIdentity _identity;
        private readonly MeshNode _mesh;
        private MdnsDiscovery? _mdns;
        private long _firstOffer;

        private Node(NodeIdentity identity, MeshNode mesh)
        {
            _identity = identity;
            _mesh = mesh;
        }

        public string Id => _identity.Id;

        /// <summary>When the first mDNS answer was offered to the mesh (Stopwatch timestamp).</summary>
        public long? FirstOfferAt => Interlocked.Read(ref _firstOffer) is var at and not 0 ? at : null;

        public static async Task<Node> StartAsync(NetnsHost host, NetnsThread thread, string directory, string name, CancellationToken cancellationToken)
        {
            var node = await CreateAsync(host, thread, directory, name, cancellationToken);
            await node.StartMdnsAsync(cancellationToken);
            return node;
        }

        /// <summary>Starts the mesh only, as the CLI does before mDNS.</summary>
        public static async Task<Node> CreateAsync(NetnsHost host, NetnsThread thread, string directory, string name, CancellationToken cancellationToken)
        {
            var identity = NodeIdentity.LoadOrCreate(directory);
            var options = MeshOptions.Lan();
            options.ListenAddress = host.Address;
            var transport = thread.Invoke(() => UdpTransport.Bind(host.Address, 0, TimeProvider.System, NullLogger<UdpTransport>.Instance));
            var mesh = new MeshNode(options, identity, name, transport, TimeProvider.System, NullLogger<MeshNode>.Instance);
            await mesh.StartAsync(cancellationToken);
            var node = new Node(identity, mesh);
            var mdnsOptions = new MdnsOptions();
            var counters = new MdnsCounters();
            var sockets = new NamespaceSockets(thread, NamespaceSockets.InterfaceOf(host));

            // The MdnsDiscovery owns the transport and disposes it.
#pragma warning disable CA2000
            var mdnsTransport = new UdpMdnsTransport(mdnsOptions, sockets, sockets, TimeProvider.System, NullLogger.Instance, counters);
#pragma warning restore CA2000
            var advertisement = new MdnsAdvertisement(identity.Id, name, options.MeshId, mesh.LocalEndPoint.Port, 0, []);
            node._mdns = new MdnsDiscovery(mdnsOptions, advertisement, node, TimeProvider.System, NullLogger.Instance, mdnsTransport, counters);
            return node;
        }

        public Task StartMdnsAsync(CancellationToken cancellationToken) => _mdns!.StartAsync(cancellationToken);

        public bool Lists(string id) => _mesh.Current.Find(id) is { IsLive: true };

        public long? HeardOnMdnsAt(string id) => _offeredAt.TryGetValue(id, out var at) ? at : null;

        /// <summary>The moment (Stopwatch timestamp) this node's membership first lists <paramref name="id"/> alive: a known point, the table's version.</summary>
        public async Task<long> WhenListsAliveAsync(string id, TimeSpan limit, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(limit);
            var snapshot = _mesh.Current;
            while (snapshot.Find(id) is not { State: MemberState.Alive })
            {
                snapshot = await _mesh.WaitForChangeAsync(snapshot.Version, timeout.Token);
            }

            return Stopwatch.GetTimestamp();
        }

        public void OfferCandidate(IPEndPoint gossipEndPoint, DiscoverySource source, string? nodeId = null)
        {
            var now = Stopwatch.GetTimestamp();
            Interlocked.CompareExchange(ref _firstOffer, now, 0);
            if (nodeId is not null)
            {
                _offeredAt.TryAdd(nodeId, now);
            }

            _mesh.OfferCandidate(gossipEndPoint, source, nodeId);
        }

        public async ValueTask DisposeAsync()
        {
            if (_mdns is not null)
            {
                await _mdns.DisposeAsync();
            }

            await _mesh.DisposeAsync();
            _identity.Dispose();
        }
    }
}
