using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Netns;

namespace PeerMesh.Benchmarks;

/// <summary>
/// Issue 14's figures: real `peermesh up` processes on a line of namespaces (h1-h2-...-h5, each link its own bridge,
/// no route past a neighbour, mDNS only). Propagation: a commit on h1 until h1's tracking ref (refs/remotes/h1/main)
/// on the node 1, 2, 3 and 4 hops away points at it, every hop a relay's fetch of verified work. Newcomer: with h1
/// down, a node that never ran starts on h6 (next to h5) and holds h1's latest work; from `peermesh up` to the tracking
/// ref, and the part of it before `status` answers (process start). Wall clock; needs root.
/// Usage: relay-line [--rounds R] [--newcomers N] [--command "ARGV PREFIX"] [--verbose] [--logs DIR (each node's log kept there)]
/// </summary>
internal sealed class RelayLineBenchmark : IBenchmark
{
    /// <summary>The issue's goal for two hops, p50.</summary>
    public static readonly TimeSpan Goal = TimeSpan.FromMilliseconds(500);

    private const int LineHosts = 5;
    private static readonly int[] s_hops = [1, 2, 3, 4];
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);
    private static PeerMeshNodeOptions s_options = new() { EveryAddress = true };

    public string Name => "relay-line";

    public string Description => "line of 5 namespaces: propagation over 1/2/4 hops, offline author's work to a newcomer (root); --rounds R --newcomers N";

    public async Task RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        var rounds = BenchmarkMath.Option(args, "--rounds", 20);
        var newcomers = BenchmarkMath.Option(args, "--newcomers", 3);
        var logsIndex = Array.IndexOf(args, "--logs");
        var logs = logsIndex >= 0 && logsIndex + 1 < args.Length ? args[logsIndex + 1] : null;
        if (args.Contains("--verbose"))
        {
            s_options = s_options with { ExtraArgs = ["--verbose"] };
        }
        var commandIndex = Array.IndexOf(args, "--command");
        IReadOnlyList<string>? command = commandIndex >= 0 && commandIndex + 1 < args.Length
            ? args[commandIndex + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            : null;
        await output.WriteLineAsync(FormattableString.Invariant(
            $"## Relaying over a line of {LineHosts} namespaces (mDNS only, each link its own bridge; {rounds} commits on h1, {newcomers} newcomers; wall clock)"));
        await output.WriteLineAsync();
        if (await NetnsTestBed.GetSkipReasonAsync(cancellationToken) is { } skip)
        {
            await output.WriteLineAsync("skipped: " + skip);
            return;
        }

        if (await (command is null ? PeerMeshExecutable.GetUnsupportedReasonAsync(cancellationToken) : PeerMeshExecutable.GetUnsupportedReasonAsync(command, cancellationToken)) is { } unsupported)
        {
            throw new InvalidOperationException($"relay-line needs the integrated peermesh: {unsupported}. No figures were produced.");
        }

        // h6 is the newcomers' host: on the line after h5, started only once h1 is down.
        await using var mesh = await NetnsMesh.CreateAsync(LineHosts + 1, NetnsTestBedOptions.Line(LineHosts + 1), command, cancellationToken);
        var line = mesh.Nodes.Take(LineHosts).ToList();
        await Task.WhenAll(line.Select(n => n.StartAsync(s_options, NetnsMesh.ReadyTimeout, cancellationToken)));
        await mesh.WaitUntilAsync(
            "every node lists its neighbours alive",
            async c =>
            {
                for (var i = 0; i + 1 < line.Count; i++)
                {
                    if (!await NetnsMesh.AllSeeEachOtherAsync([line[i], line[i + 1]], [line[i], line[i + 1]], p => p.IsAlive, c))
                    {
                        return false;
                    }
                }

                return true;
            },
            s_limit,
            cancellationToken);

        var samples = s_hops.ToDictionary(h => h, _ => new List<double>());
        var missed = 0;
        for (var round = 0; round < rounds; round++)
        {
            var commit = await line[0].CommitAsync($"round-{round}", cancellationToken);
            var start = TimeProvider.System.GetTimestamp();
            var pending = s_hops.ToHashSet();
            await Poll.TryUntilAsync(
                async c =>
                {
                    var hops = pending.ToList();
                    var arrived = await Task.WhenAll(hops.Select(h => TrackingRefAsync(line[h], c)));
                    var elapsed = TimeProvider.System.GetElapsedTime(start).TotalSeconds;
                    for (var i = 0; i < hops.Count; i++)
                    {
                        if (arrived[i] == commit)
                        {
                            samples[hops[i]].Add(elapsed);
                            pending.Remove(hops[i]);
                        }
                    }

                    return pending.Count == 0;
                },
                s_limit,
                cancellationToken,
                s_poll);
            missed += pending.Count;
        }

        await output.WriteLineAsync("| hops | p50 | p99 | p50 against 1 hop | p99 against 1 hop | samples |");
        await output.WriteLineAsync("| ---: | ---: | ---: | ---: | ---: | ---: |");
        var one = samples[1];
        foreach (var hop in s_hops)
        {
            var s = samples[hop];
            if (s.Count == 0)
            {
                await output.WriteLineAsync(FormattableString.Invariant($"| {hop} | - | - | - | - | 0 |"));
                continue;
            }

            var (p50, p99) = (BenchmarkMath.Percentile(s, 50), BenchmarkMath.Percentile(s, 99));
            await output.WriteLineAsync(FormattableString.Invariant(
                $"| {hop} | {p50:0.000} s | {p99:0.000} s | {p50 / BenchmarkMath.Percentile(one, 50):0.00}x | {p99 / BenchmarkMath.Percentile(one, 99):0.00}x | {s.Count} |"));
        }

        await output.WriteLineAsync();
        var twoHops = samples[2].Count == 0 ? double.NaN : BenchmarkMath.Percentile(samples[2], 50);
        await output.WriteLineAsync(FormattableString.Invariant(
            $"Goal: 2 hops p50 under {Goal.TotalSeconds:0.0} s: {(twoHops < Goal.TotalSeconds ? "met" : "not met")} ({twoHops:0.000} s). Missed (not there within {s_limit.TotalSeconds} s): {missed}. Polled every {s_poll.TotalMilliseconds} ms, all hops at once."));
        await output.WriteLineAsync();

        await MeasureNewcomersAsync(mesh, newcomers, output, cancellationToken);
        if (logs is not null)
        {
            // Before the bed's teardown deletes them: each node's log, for where the time goes.
            foreach (var host in mesh.Bed.Hosts)
            {
                var to = Path.Combine(logs, host.Name);
                Directory.CreateDirectory(to);
                foreach (var file in Directory.EnumerateFiles(host.LogDirectory))
                {
                    File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
                }
            }
        }
    }

    private static async Task MeasureNewcomersAsync(NetnsMesh mesh, int newcomers, TextWriter output, CancellationToken cancellationToken)
    {
        var author = mesh.Nodes[0];
        var latest = await author.CommitAsync("before going offline", cancellationToken);
        await mesh.WaitUntilAsync(
            "h5 holds h1's latest work",
            async c => await TrackingRefAsync(mesh.Nodes[LineHosts - 1], c) == latest,
            s_limit,
            cancellationToken);
        await author.DownAsync(TimeSpan.FromSeconds(15), cancellationToken);

        var host = mesh.Nodes[LineHosts].Host;
        var ready = new List<double>();
        var held = new List<double>();
        for (var i = 0; i < newcomers; i++)
        {
            // A node that never ran: its own clone and home, so a new identity with nothing of h1's.
            var clone = await mesh.Source.CloneToAsync(Path.Combine(host.WorkDirectory, $"newcomer-{i}"), cancellationToken);
            var node = new PeerMeshNode(mesh.Bed, host, clone);
            var start = TimeProvider.System.GetTimestamp();
            await node.StartAsync(s_options, NetnsMesh.ReadyTimeout, cancellationToken);
            ready.Add(TimeProvider.System.GetElapsedTime(start).TotalSeconds);
            var took = await Poll.TryUntilAsync(async c => await TrackingRefAsync(node, c) == latest, s_limit, cancellationToken, s_poll);
            if (took is not null)
            {
                held.Add(TimeProvider.System.GetElapsedTime(start).TotalSeconds);
            }

            await node.DownAsync(TimeSpan.FromSeconds(15), cancellationToken);
        }

        await output.WriteLineAsync("| newcomer, offline author (h1 down; the newcomer next to h5, 5 hops from h1) | p50 | max | samples |");
        await output.WriteLineAsync("| --- | ---: | ---: | ---: |");
        await output.WriteLineAsync(Row("`up` until `status` answers (process start)", ready));
        await output.WriteLineAsync(Row("`up` until refs/remotes/h1/main is h1's latest", held));
        if (held.Count < newcomers)
        {
            await output.WriteLineAsync(FormattableString.Invariant($"({newcomers - held.Count} newcomer(s) did not hold it within {s_limit.TotalSeconds} s)"));
        }

        static string Row(string what, List<double> s) => s.Count == 0
            ? $"| {what} | - | - | 0 |"
            : FormattableString.Invariant($"| {what} | {BenchmarkMath.Percentile(s, 50):0.00} s | {s.Max():0.00} s | {s.Count} |");
    }

    /// <summary>
    /// refs/remotes/h1/main as git resolves it: the loose ref file (written whole by a rename), else packed-refs. Read
    /// here rather than by a git process: one per pending hop every 20 ms loaded the two cores the nodes run on.
    /// </summary>
    private static async Task<string?> TrackingRefAsync(PeerMeshNode node, CancellationToken cancellationToken)
    {
        const string name = "refs/remotes/h1/main";
        var gitDir = Path.Combine(node.RepositoryPath, ".git");
        try
        {
            return (await File.ReadAllTextAsync(Path.Combine(gitDir, name), cancellationToken)).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
        }

        try
        {
            var packed = await File.ReadAllLinesAsync(Path.Combine(gitDir, "packed-refs"), cancellationToken);
            return packed.Select(l => l.Split(' ')).FirstOrDefault(f => f.Length == 2 && f[1] == name)?[0];
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }
}
