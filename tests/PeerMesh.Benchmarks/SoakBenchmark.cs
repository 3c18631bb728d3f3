using System.Globalization;
using System.Text.Json.Nodes;
using PeerMesh.Cli.Control;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Processes;

namespace PeerMesh.Benchmarks;

/// <summary>
/// Soak (HOSTILE 45): N real <c>peermesh up</c> processes idle on loopback (seeds, no mDNS, LAN gossip
/// defaults, one clone each). After every node lists all others alive and a warm-up, every node's RSS
/// (/proc/PID/status VmRSS), open descriptors (/proc/PID/fd), threads (/proc/PID/status Threads) and gossip
/// bytes (the control socket's status, as <c>status --json</c>) are sampled every interval. Prints start,
/// middle and end, the least-squares slope per hour of the per-node means, and every node's first and last sample.
/// </summary>
internal sealed class SoakBenchmark : IBenchmark
{
    public string Name => "soak";

    public string Description => "N idle real nodes on loopback: RSS, fds, threads, gossip bytes over time (--nodes 20 --minutes 30 --interval 10 --warmup 60)";

    public async Task RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        var count = BenchmarkMath.Option(args, "--nodes", 20);
        var minutes = BenchmarkMath.Option(args, "--minutes", 30);
        var interval = TimeSpan.FromSeconds(BenchmarkMath.Option(args, "--interval", 10));
        var warmup = TimeSpan.FromSeconds(BenchmarkMath.Option(args, "--warmup", 60));

        await using var mesh = new LoopbackMesh();
        var nodes = new List<NodeProcess>();
        for (var i = 0; i < count; i++)
        {
            // Seeded with node 0 and the node before: joins go through gossip from there.
            var extra = i >= 2 ? new[] { "--peer", $"127.0.0.1:{await LoopbackMesh.GossipPortAsync(nodes[i - 1], cancellationToken)}" } : null;
            var (node, _) = await mesh.StartCloneAsync(NodeName(i), i == 0 ? null : nodes[0], extra, cancellationToken);
            nodes.Add(node);
        }

        int[] alive = [];
        var converged = await Poll.UntilAsync(
            $"every node lists {count - 1} peers alive",
            async ct => (alive = await Task.WhenAll(nodes.Select(n => AlivePeersAsync(n, ct)))).All(a => a == count - 1),
            TimeSpan.FromMinutes(3),
            cancellationToken,
            TimeSpan.FromMilliseconds(500),
            () => "alive peers per node: " + string.Join(", ", alive));
        Console.Error.WriteLine($"soak: {count} nodes converged in {converged.TotalSeconds:F1} s; warm-up {warmup.TotalSeconds:F0} s, then {minutes} min");
        await Task.Delay(warmup, cancellationToken);

        var samples = new List<Sample>();
        var begin = TimeProvider.System.GetTimestamp();
        var duration = TimeSpan.FromMinutes(minutes);
        while (!cancellationToken.IsCancellationRequested)
        {
            var at = TimeProvider.System.GetElapsedTime(begin);
            var sample = new Sample(at, await Task.WhenAll(nodes.Select(n => MeasureAsync(n, cancellationToken))));
            samples.Add(sample);
            Console.Error.WriteLine(FormattableString.Invariant(
                $"soak: {at.TotalMinutes,6:F1} min  RSS {sample.Mean(n => n.RssKiB) / 1024,6:F1} MiB  fds {sample.Mean(n => n.Fds),5:F1}  threads {sample.Mean(n => n.Threads),5:F1}  alive min {sample.Nodes.Min(n => n.AlivePeers)}"));
            if (at >= duration)
            {
                break;
            }

            try
            {
                await Task.Delay(interval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break; // Ctrl-C: print what was measured.
            }
        }

        Print(output, count, converged, warmup, interval, samples);
    }

    private static void Print(TextWriter output, int count, TimeSpan converged, TimeSpan warmup, TimeSpan interval, List<Sample> samples)
    {
        if (samples.Count < 2)
        {
            output.WriteLine("fewer than two samples: nothing to print");
            return;
        }

        var first = samples[0];
        var middle = samples[samples.Count / 2];
        var last = samples[^1];
        var hours = (last.At - first.At).TotalHours;
        output.WriteLine();
        output.WriteLine(FormattableString.Invariant(
            $"### Soak: {count} idle nodes on loopback (LAN gossip defaults, no mDNS), {(last.At - first.At).TotalMinutes:F0} min after convergence ({converged.TotalSeconds:F0} s) and a {warmup.TotalSeconds:F0} s warm-up, sampled every {interval.TotalSeconds:F0} s"));
        output.WriteLine();
        output.WriteLine("| point | minute | RSS MiB per node, mean (min-max) | fds mean (max) | threads mean (max) | gossip out B/s per node | gossip in B/s per node | fewest alive peers |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (label, sample) in new[] { ("start", first), ("middle", middle), ("end", last) })
        {
            var previous = samples[Math.Max(0, samples.IndexOf(sample) - 1)];
            var (outRate, inRate) = sample == previous ? Rates(sample, samples[1]) : Rates(previous, sample);
            output.WriteLine(FormattableString.Invariant(
                $"| {label} | {sample.At.TotalMinutes:F1} | {sample.Mean(n => n.RssKiB) / 1024:F1} ({sample.Nodes.Min(n => n.RssKiB) / 1024.0:F1}-{sample.Nodes.Max(n => n.RssKiB) / 1024.0:F1}) | {sample.Mean(n => n.Fds):F1} ({sample.Nodes.Max(n => n.Fds)}) | {sample.Mean(n => n.Threads):F1} ({sample.Nodes.Max(n => n.Threads)}) | {outRate:F0} | {inRate:F0} | {sample.Nodes.Min(n => n.AlivePeers)} |"));
        }

        var (outWhole, inWhole) = Rates(first, last);
        output.WriteLine(FormattableString.Invariant(
            $"| slope per hour | | {Slope(samples, n => n.RssKiB / 1024.0):+0.0;-0.0} MiB | {Slope(samples, n => n.Fds):+0.0;-0.0} | {Slope(samples, n => n.Threads):+0.0;-0.0} | {outWhole:F0} (whole run) | {inWhole:F0} (whole run) | {samples.Min(s => s.Nodes.Min(n => n.AlivePeers))} (any sample) |"));

        // The first minutes include the GC growing its budgets; the second half says whether anything keeps growing.
        var secondHalf = samples[(samples.Count / 2)..];
        output.WriteLine(FormattableString.Invariant(
            $"| slope per hour, second half | | {Slope(secondHalf, n => n.RssKiB / 1024.0):+0.0;-0.0} MiB | {Slope(secondHalf, n => n.Fds):+0.0;-0.0} | {Slope(secondHalf, n => n.Threads):+0.0;-0.0} | | | |"));
        output.WriteLine();
        output.WriteLine(FormattableString.Invariant($"Per node, first and last sample ({hours * 60:F0} min apart):"));
        output.WriteLine();
        output.WriteLine("| node | RSS MiB | fds | threads | gossip out B/s | gossip in B/s |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        for (var i = 0; i < count; i++)
        {
            var a = first.Nodes[i];
            var b = last.Nodes[i];
            var seconds = (last.At - first.At).TotalSeconds;
            output.WriteLine(FormattableString.Invariant(
                $"| {NodeName(i)} | {a.RssKiB / 1024.0:F1} -> {b.RssKiB / 1024.0:F1} | {a.Fds} -> {b.Fds} | {a.Threads} -> {b.Threads} | {(b.BytesOut - a.BytesOut) / seconds:F0} | {(b.BytesIn - a.BytesIn) / seconds:F0} |"));
        }
    }

    /// <summary>Gossip bytes per second per node (mean over nodes) between two samples.</summary>
    private static (double Out, double In) Rates(Sample from, Sample to)
    {
        var seconds = (to.At - from.At).TotalSeconds;
        var outBytes = to.Nodes.Select((n, i) => n.BytesOut - from.Nodes[i].BytesOut).Average();
        var inBytes = to.Nodes.Select((n, i) => n.BytesIn - from.Nodes[i].BytesIn).Average();
        return (outBytes / seconds, inBytes / seconds);
    }

    /// <summary>Least-squares slope of the per-node mean, per hour.</summary>
    private static double Slope(List<Sample> samples, Func<NodeSample, double> value)
    {
        var xs = samples.Select(s => s.At.TotalHours).ToList();
        var ys = samples.Select(s => s.Nodes.Average(value)).ToList();
        var mx = xs.Average();
        var my = ys.Average();
        var covariance = xs.Zip(ys, (x, y) => (x - mx) * (y - my)).Sum();
        var variance = xs.Sum(x => (x - mx) * (x - mx));
        return variance == 0 ? 0 : covariance / variance;
    }

    private static async Task<NodeSample> MeasureAsync(NodeProcess node, CancellationToken cancellationToken)
    {
        if (node.Process.HasExited)
        {
            throw new InvalidOperationException($"a node exited with {node.Process.ExitCode}:\n{node.Log}");
        }

        var pid = node.Process.Id;
        var status = await File.ReadAllLinesAsync($"/proc/{pid}/status", cancellationToken);
        var rss = ProcStatusValue(status, "VmRSS:");
        var threads = ProcStatusValue(status, "Threads:");
        var fds = Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count();
        var body = await StatusAsync(node, cancellationToken);
        var gossip = body["gossip"];
        return new NodeSample(rss, fds, (int)threads, (long)gossip!["bytesOut"]!, (long)gossip["bytesIn"]!, AlivePeers(body));
    }

    private static async Task<int> AlivePeersAsync(NodeProcess node, CancellationToken cancellationToken) =>
        AlivePeers(await StatusAsync(node, cancellationToken));

    private static int AlivePeers(JsonNode status) =>
        status["peers"]!.AsArray().Count(p => (string?)p!["state"] == "alive");

    /// <summary>The node's status over its control socket, like <c>status --json</c> without starting a process per sample.</summary>
    private static async Task<JsonNode> StatusAsync(NodeProcess node, CancellationToken cancellationToken)
    {
        var socket = ControlPaths.SocketPath(Path.Combine(node.RepoPath, ".git", "peermesh"));
        var response = await ControlClient.SendAsync(socket, node.RepoPath, new ControlRequest(ControlRequest.CurrentVersion, "status"), cancellationToken);
        return response.Body ?? throw new InvalidOperationException("status without a body");
    }

    private static long ProcStatusValue(string[] lines, string key)
    {
        var line = lines.First(l => l.StartsWith(key, StringComparison.Ordinal));
        return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static string NodeName(int i) => "node" + i.ToString("D2", CultureInfo.InvariantCulture);


    private sealed record NodeSample(long RssKiB, int Fds, int Threads, long BytesOut, long BytesIn, int AlivePeers);

    private sealed record Sample(TimeSpan At, NodeSample[] Nodes)
    {
        public double Mean(Func<NodeSample, double> value) => Nodes.Average(value);
    }
}
