using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Options;
using PeerMesh.Mesh.Transport;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Mesh;

namespace PeerMesh.Benchmarks;

/// <summary>
/// Gossip mesh: join convergence, crash detection, traffic at rest, on the in-memory network in virtual time
/// (LAN defaults, 1 ms latency) for several sizes and loss rates, then N in-process nodes on real UDP loopback.
/// Usage: gossip [--sizes 10,100] [--loss 0,10,25] [--repos 1,256] [--no-udp] [--no-verify] [--any-address]. N = 1000 takes minutes: --sizes 1000.
/// --repos: the idle traffic of a mesh whose nodes each serve that many repositories (one table row per count).
/// With --any-address nodes advertise no address, as <c>peermesh up</c> bound to every address does, so each
/// address is proven by a challenge before it is believed.
/// </summary>
internal sealed class GossipBenchmark : IBenchmark
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    public string Name => "gossip";

    public string Description => "SWIM mesh: join convergence, crash detection, rest traffic (virtual time + real UDP loopback)";

    public async Task RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        var sizes = Option(args, "--sizes", "10,100").Split(',').Select(s => int.Parse(s, s_inv)).ToArray();
        var losses = Option(args, "--loss", "0,10,25").Split(',').Select(s => int.Parse(s, s_inv)).ToArray();
        var verify = !args.Contains("--no-verify");
        var anyAddress = args.Contains("--any-address");
        var advertised = anyAddress ? "nodes advertise no address: each proven by a challenge" : "nodes advertise their address";

        await output.WriteLineAsync($"## Gossip mesh, in-memory network, virtual time (LAN defaults: probe 1 s/500 ms, gossip 200 ms x3, push-pull 30 s scaled; {advertised})");
        await output.WriteLineAsync();
        await output.WriteLineAsync("| N | loss | bootstrap (all join one seed) | join convergence | crash: first marks dead (mean of trials) | crash: all mark dead (mean / max) | rest datagrams/node/s | rest bytes/node/s | false deaths | wall time |");
        await output.WriteLineAsync("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var n in sizes)
        {
            foreach (var loss in losses)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var row = await SimulateAsync(n, loss / 100.0, verify || n < 1000, anyAddress, trials: n <= 100 ? 3 : 1);
                await output.WriteLineAsync(row);
                await output.FlushAsync(cancellationToken);
            }
        }

        var repoCounts = Option(args, "--repos", "1,256").Split(',').Select(s => int.Parse(s, s_inv)).ToArray();
        await output.WriteLineAsync();
        await output.WriteLineAsync("## Repositories per node: idle gossip, in-memory network, virtual time (LAN defaults, 5 nodes, signatures verified)");
        await output.WriteLineAsync();
        await output.WriteLineAsync("| repositories per node | every node holds every set after | bytes sent until then (all nodes) | idle bytes/node/s (10 min) | idle datagrams/node/s | largest datagram |");
        await output.WriteLineAsync("| ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var count in repoCounts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await output.WriteLineAsync(await IdleWithReposAsync(5, count));
            await output.FlushAsync(cancellationToken);
        }

        if (!args.Contains("--no-udp"))
        {
            await output.WriteLineAsync();
            await output.WriteLineAsync($"## Gossip mesh, real UDP on {(anyAddress ? "every address, seeds on 127.0.0.1" : "127.0.0.1")}, 10 in-process nodes, real time (LAN defaults; {advertised})");
            await output.WriteLineAsync();
            await output.WriteLineAsync("| N | bootstrap | join convergence | crash: all mark dead | rest datagrams/node/s | rest bytes/node/s |");
            await output.WriteLineAsync("| ---: | ---: | ---: | ---: | ---: | ---: |");
            await output.WriteLineAsync(await RealUdpAsync(10, anyAddress, cancellationToken));
        }
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private static string Seconds(TimeSpan? t) => t is { } v ? v.TotalSeconds.ToString("0.00", s_inv) + " s" : "not within limit";

    private static async Task<string> SimulateAsync(int n, double loss, bool verify, bool anyAddress, int trials)
    {
        var wall = Stopwatch.StartNew();
        TimeSpan? bootstrap = null;
        TimeSpan? join = null;
        double perNodeDatagrams = 0;
        double perNodeBytes = 0;
        var falseDeaths = 0;
        var firsts = new List<TimeSpan?>();
        var alls = new List<TimeSpan?>();
        for (var trial = 0; trial < trials; trial++)
        {
            await using var cluster = MeshCluster.WithSimulatedTime(seed: (n * 100) + trial, options: () => new MeshOptions { RequireSignatures = verify, AdvertiseAddress = anyAddress ? IPAddress.Any : null });
            await cluster.AddJoinedNodesAsync(n);
            var booted = cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(600), TimeSpan.FromMilliseconds(100));

            // Past the quick catch-up exchanges after joining (1+2+4+8 probe intervals).
            cluster.Run(TimeSpan.FromSeconds(20));
            cluster.Network.LossRate = loss;
            if (trial == 0)
            {
                bootstrap = booted;

                // Rest traffic and false positives over a quiet window.
                var rest = TimeSpan.FromSeconds(30);
                var datagrams = cluster.Network.DatagramsSent;
                var bytes = cluster.Network.BytesSent;
                cluster.Run(rest);
                perNodeDatagrams = (cluster.Network.DatagramsSent - datagrams) / (double)n / rest.TotalSeconds;
                perNodeBytes = (cluster.Network.BytesSent - bytes) / (double)n / rest.TotalSeconds;
                falseDeaths = cluster.Nodes.Sum(o => o.Current.Members.Count(m => m.State == MemberState.Dead));

                // One more node joins through the first one.
                var joiner = await cluster.AddNodeAsync();
                joiner.OfferCandidate(cluster.Nodes[0].LocalEndPoint, DiscoverySource.Seed);
                var members = cluster.Nodes.ToList();
                join = cluster.RunUntil(
                    () => MeshCluster.AllSee(members.Where(x => x != joiner), joiner.LocalId, m => m?.State == MemberState.Alive) && joiner.Table.AliveCount >= n - 1,
                    TimeSpan.FromSeconds(120),
                    TimeSpan.FromMilliseconds(50));
                cluster.Run(TimeSpan.FromSeconds(5));
            }

            // A node crashes.
            var all = cluster.Nodes.ToList();
            var victim = all[n / 2];
            var others = all.Where(x => x != victim).ToList();
            cluster.Crash(victim);
            var first = cluster.RunUntil(() => others.Any(o => o.Table.Get(victim.LocalId)?.Member.State == MemberState.Dead), TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(50));
            var allDead = first is null ? null : cluster.RunUntil(() => MeshCluster.AllSee(others, victim.LocalId, m => m?.State == MemberState.Dead), TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(50));
            firsts.Add(first);
            alls.Add(first is null || allDead is null ? null : first + allDead);
        }

        var firstMean = firsts.All(f => f is not null) ? TimeSpan.FromTicks((long)firsts.Average(f => f!.Value.Ticks)) : (TimeSpan?)null;
        var allMean = alls.All(f => f is not null) ? TimeSpan.FromTicks((long)alls.Average(f => f!.Value.Ticks)) : (TimeSpan?)null;
        var allMax = alls.All(f => f is not null) ? alls.Max() : null;
        return string.Create(
            s_inv,
            $"| {n} | {loss * 100:0}% | {Seconds(bootstrap)} | {Seconds(join)} | {Seconds(firstMean)} | {Seconds(allMean)} / {Seconds(allMax)} | {perNodeDatagrams:0.0} | {perNodeBytes:0} | {falseDeaths} | {wall.Elapsed.TotalSeconds:0.0} s ({trials} crash trial{(trials > 1 ? "s" : "")}{(verify ? "" : ", signatures not verified")}) |");
    }

    /// <summary>
    /// N nodes each serving <paramref name="repos"/> repositories (given before joining, as <c>up</c> does); the time and
    /// bytes until every node holds every other node's set, then the traffic of 10 idle minutes (push-pull rounds included).
    /// </summary>
    private static async Task<string> IdleWithReposAsync(int n, int repos)
    {
        await using var cluster = MeshCluster.WithSimulatedTime(seed: 7000 + repos, options: () => new MeshOptions());
        var nodes = new List<MeshNode>();
        for (var i = 0; i < n; i++)
        {
            var node = await cluster.AddNodeAsync();
            node.SetLocalRepos(Enumerable.Range(0, repos)
                .Select(r => new RepoAnnouncement($"project-{i}-{r}", $"project-{r}", $"/project-{r}", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 1))
                .ToList());
            if (nodes.Count > 0)
            {
                node.OfferCandidate(nodes[0].LocalEndPoint, DiscoverySource.Seed);
            }

            nodes.Add(node);
        }

        var converged = cluster.RunUntil(
            () => nodes.All(o => nodes.Where(x => x != o).All(x => o.Current.Find(x.LocalId) is { State: MemberState.Alive } m && m.Repos.Length == repos)),
            TimeSpan.FromSeconds(120),
            TimeSpan.FromMilliseconds(10));
        var bytesUntil = cluster.Network.BytesSent;

        // Past the quick catch-up exchanges, then a quiet window long enough for many push-pull rounds.
        cluster.Run(TimeSpan.FromSeconds(20));
        var idle = TimeSpan.FromMinutes(10);
        var datagrams = cluster.Network.DatagramsSent;
        var bytes = cluster.Network.BytesSent;
        cluster.Run(idle);
        var perNodeBytes = (cluster.Network.BytesSent - bytes) / (double)n / idle.TotalSeconds;
        var perNodeDatagrams = (cluster.Network.DatagramsSent - datagrams) / (double)n / idle.TotalSeconds;
        return string.Create(s_inv, $"| {repos} | {Seconds(converged)} | {bytesUntil / 1024.0:0.0} KiB | {perNodeBytes:0} | {perNodeDatagrams:0.0} | {cluster.Network.LargestDatagram} B |");
    }

    private static async Task<string> RealUdpAsync(int n, bool anyAddress, CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), "peermesh-bench-" + Guid.NewGuid().ToString("N"));
        var nodes = new List<MeshNode>();
        var transports = new List<UdpTransport>();
        var identities = new List<NodeIdentity>();
        try
        {
            async Task<MeshNode> StartAsync()
            {
                var options = MeshOptions.Lan();
                var bind = anyAddress ? IPAddress.IPv6Any : IPAddress.Loopback;
                options.ListenAddress = bind;
                var identity = NodeIdentity.LoadOrCreate(Path.Combine(root, identities.Count.ToString(s_inv)));
                identities.Add(identity);
                var transport = UdpTransport.Bind(bind, 0, TimeProvider.System, NullLogger<UdpTransport>.Instance);
                transports.Add(transport);
                var node = new MeshNode(options, identity, "bench" + nodes.Count, transport, TimeProvider.System, NullLogger<MeshNode>.Instance);
                nodes.Add(node);
                await node.StartAsync(cancellationToken);
                if (nodes.Count > 1)
                {
                    node.OfferCandidate(new IPEndPoint(IPAddress.Loopback, nodes[0].LocalEndPoint.Port), DiscoverySource.Seed);
                }

                return node;
            }

            for (var i = 0; i < n - 1; i++)
            {
                await StartAsync();
            }

            var bootstrap = await PollAsync(() => MeshCluster.AllSeeEachOtherAlive(nodes), TimeSpan.FromSeconds(60), cancellationToken);
            var joiner = await StartAsync();
            var join = await PollAsync(() => MeshCluster.AllSeeEachOtherAlive(nodes), TimeSpan.FromSeconds(60), cancellationToken);

            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            var rest = TimeSpan.FromSeconds(10);
            var datagrams = nodes.Sum(x => x.Statistics.DatagramsOut);
            var bytes = nodes.Sum(x => x.Statistics.BytesOut);
            await Task.Delay(rest, cancellationToken);
            var perNodeDatagrams = (nodes.Sum(x => x.Statistics.DatagramsOut) - datagrams) / (double)n / rest.TotalSeconds;
            var perNodeBytes = (nodes.Sum(x => x.Statistics.BytesOut) - bytes) / (double)n / rest.TotalSeconds;

            var victim = n / 2;
            await transports[victim].DisposeAsync();
            var others = nodes.Where((_, i) => i != victim).ToList();
            var crash = await PollAsync(() => MeshCluster.AllSee(others, nodes[victim].LocalId, m => m?.State == MemberState.Dead), TimeSpan.FromSeconds(60), cancellationToken);
            _ = joiner;

            return string.Create(s_inv, $"| {n} | {Seconds(bootstrap)} | {Seconds(join)} | {Seconds(crash)} | {perNodeDatagrams:0.0} | {perNodeBytes:0} |");
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            foreach (var identity in identities)
            {
                identity.Dispose();
            }

            Directory.Delete(root, recursive: true);
        }
    }

    private static Task<TimeSpan?> PollAsync(Func<bool> condition, TimeSpan limit, CancellationToken cancellationToken) =>
        Poll.TryUntilAsync(condition, limit, cancellationToken, TimeSpan.FromMilliseconds(10));
}
