using System.Diagnostics;
using System.Globalization;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;

namespace PeerMesh.Benchmarks;

/// <summary>
/// Propagation: N real <c>peermesh up</c> processes on loopback (seeds, no mDNS), each in its own clone of one
/// repository. Commits are made one at a time on node 0; per commit, the time from <c>git commit</c> returning
/// until the commit is in <c>refs/remotes/node0/main</c> of every other node (tracking refs polled every few ms).
/// Beside it, one plain <c>git fetch</c> of the same change from node 0's git daemon: the physical floor.
/// </summary>
internal sealed class PropagationBenchmark : IBenchmark
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan s_perCommitTimeout = TimeSpan.FromSeconds(30);
    private static bool s_detail;

    public string Name => "propagation";

    public string Description => "commit on one node until in every other node's tracking refs (--nodes 3,10 --commits 50 --detail)";

    public async Task RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        var nodeCounts = OptionList(args, "--nodes", [3, 10]);
        var commits = BenchmarkMath.Option(args, "--commits", 50);
        s_detail = args.Contains("--detail"); // per-commit arrival times of every node on stderr
        var rows = new List<Row>();
        foreach (var n in nodeCounts)
        {
            rows.Add(await RunOneAsync(n, commits, output, cancellationToken));
        }

        output.WriteLine();
        output.WriteLine($"### Propagation (loopback, {commits} commits, one at a time, commit on node 0 until in every other node's tracking ref)");
        output.WriteLine();
        output.WriteLine("| nodes | p50 ms | p99 ms | max ms | first peer p50 ms | git fetch p50 ms | ratio (p50 / git fetch p50) | target p50 |");
        output.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in rows)
        {
            var p50 = BenchmarkMath.Percentile(row.All, 50);
            var fetch = BenchmarkMath.Percentile(row.GitFetch, 50);
            var target = row.Nodes <= 3 ? 300 : 500;
            output.WriteLine($"| {row.Nodes} | {F(p50)} | {F(BenchmarkMath.Percentile(row.All, 99))} | {F(row.All.Max())} | {F(BenchmarkMath.Percentile(row.First, 50))} | {F(fetch)} | {p50 / fetch:F1}x | < {target} {(p50 < target ? "ok" : "MISSED")} |");
        }
    }

    private static async Task<Row> RunOneAsync(int nodes, int commits, TextWriter output, CancellationToken cancellationToken)
    {
        using var origin = TempRepository.Create(commits: 2);
        var clones = new List<TempRepository>();
        var processes = new List<NodeProcess>();
        try
        {
            for (var i = 0; i < nodes; i++)
            {
                clones.Add(TempRepository.CloneOf(origin, "node" + i.ToString(CultureInfo.InvariantCulture)));
            }

            var clock = Stopwatch.StartNew();
            var first = NodeProcess.Start(clones[0].Path, UpArgs(0, seedPort: null));
            processes.Add(first);
            var firstStatus = await first.WaitUntilUpAsync(cancellationToken);
            var seedPort = (int)firstStatus["node"]!["gossipPort"]!;
            var url = (string)firstStatus["repos"]![0]!["url"]!;
            for (var i = 1; i < nodes; i++)
            {
                processes.Add(NodeProcess.Start(clones[i].Path, UpArgs(i, seedPort)));
            }

            // Every node sees every other alive, and every other node has fetched node 0 once.
            await Task.WhenAll(processes.Select(p => p.WaitForStatusAsync(
                s => s["peers"]!.AsArray().Count(x => (string?)x!["state"] == "alive") == nodes - 1,
                TimeSpan.FromSeconds(120),
                cancellationToken)));
            var initial = clones[0].Head();
            await WaitForAllAsync(clones, initial, Stopwatch.StartNew(), TimeSpan.FromSeconds(60), cancellationToken);
            output.WriteLine($"{nodes} nodes up and converged in {clock.Elapsed.TotalSeconds:F1} s");

            // A plain clone beside the mesh, fetched with stock git from node 0's daemon: the floor.
            using var floor = TempRepository.CloneOf(origin, "floor");
            floor.Git("fetch", "-q", url, "+refs/heads/main:refs/remotes/floor/main");

            var all = new List<double>();
            var firstPeer = new List<double>();
            var gitFetch = new List<double>();
            for (var c = 0; c < commits; c++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (sha, started) = Commit(clones[0], c);
                var (firstMs, allMs) = await WaitForAllAsync(clones, sha, started, s_perCommitTimeout, cancellationToken);
                all.Add(allMs);
                firstPeer.Add(firstMs);

                var fetchClock = Stopwatch.StartNew();
                floor.Git("fetch", "-q", url, "+refs/heads/main:refs/remotes/floor/main");
                gitFetch.Add(fetchClock.Elapsed.TotalMilliseconds);
            }

            output.WriteLine($"{nodes} nodes: p50 {F(BenchmarkMath.Percentile(all, 50))} ms, p99 {F(BenchmarkMath.Percentile(all, 99))} ms, git fetch p50 {F(BenchmarkMath.Percentile(gitFetch, 50))} ms");
            output.WriteLine("  samples (ms): " + string.Join(" ", all.Select(F)));
            if (s_detail)
            {
                foreach (var (process, i) in processes.Select((p, i) => (p, i)))
                {
                    foreach (var line in process.Log.Split('\n').Where(l => l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.Contains(" warn", StringComparison.OrdinalIgnoreCase) || l.Contains("retry", StringComparison.OrdinalIgnoreCase)))
                    {
                        Console.Error.WriteLine($"  node{i}: {line}");
                    }
                }
            }

            return new Row(nodes, all, firstPeer, gitFetch);
        }
        finally
        {
            await Task.WhenAll(processes.Select(p => p.DisposeAsync().AsTask()));
            foreach (var clone in clones)
            {
                clone.Dispose();
            }
        }
    }

    /// <summary>A commit on node 0; the clock starts when <c>git commit</c> returns, before its id is read.</summary>
    private static (string Sha, Stopwatch Started) Commit(TempRepository repo, int index)
    {
        var message = "propagation " + index.ToString(CultureInfo.InvariantCulture);
        File.WriteAllText(Path.Combine(repo.Path, $"propagation-{index}.txt"), message + "\n");
        repo.Git("add", "-A");
        repo.Git("commit", "-q", "-m", message);
        var started = Stopwatch.StartNew();
        return (repo.Head(), started);
    }

    private static string[] UpArgs(int index, int? seedPort)
    {
        List<string> args =
        [
            "--name", "node" + index.ToString(CultureInfo.InvariantCulture),
            "--listen", "127.0.0.1", "--git-port", "0", "--gossip-port", "0",
            "--no-mdns", // never multicast off this machine
            "--fetch-interval", "3600", // only the fast path is measured
        ];
        if (seedPort is { } port)
        {
            args.AddRange(["--peer", "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture)]);
        }

        return [.. args];
    }

    /// <summary>Polls every other node's tracking ref until all hold <paramref name="sha"/>; returns first and last arrival in ms.</summary>
    private static async Task<(double First, double All)> WaitForAllAsync(List<TempRepository> clones, string sha, Stopwatch started, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var pending = clones.Skip(1).ToList();
        double? first = null;
        var arrivals = new List<double>();
        await Poll.UntilAsync(
            $"{sha} reaches every other node",
            () =>
            {
                pending.RemoveAll(clone =>
                {
                    if (TrackingRef(clone) != sha)
                    {
                        return false;
                    }

                    first ??= started.Elapsed.TotalMilliseconds;
                    arrivals.Add(started.Elapsed.TotalMilliseconds);
                    return true;
                });
                return pending.Count == 0;
            },
            timeout - started.Elapsed,
            cancellationToken,
            s_poll,
            () => "missing at " + string.Join(", ", pending.Select(p => p.Path)));
        if (s_detail)
        {
            Console.Error.WriteLine("  arrivals ms: " + string.Join(" ", arrivals.Select(F)));
        }

        return (first ?? 0, started.Elapsed.TotalMilliseconds);
    }

    /// <summary>refs/remotes/node0/main from the loose ref file, else packed-refs: no process per poll.</summary>
    private static string? TrackingRef(TempRepository clone)
    {
        const string Name = "refs/remotes/node0/main";
        try
        {
            var loose = Path.Combine(clone.GitDirectory, "refs", "remotes", "node0", "main");
            if (File.Exists(loose))
            {
                return File.ReadAllText(loose).Trim();
            }

            var packed = Path.Combine(clone.GitDirectory, "packed-refs");
            if (File.Exists(packed))
            {
                foreach (var line in File.ReadLines(packed))
                {
                    if (line.EndsWith(" " + Name, StringComparison.Ordinal))
                    {
                        return line[..40];
                    }
                }
            }
        }
        catch (IOException)
        {
            // Being replaced right now: try again on the next poll.
        }

        return null;
    }


    private static string F(double ms) => ms.ToString("F0", CultureInfo.InvariantCulture);


    private static int[] OptionList(string[] args, string name, int[] fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length
            ? [.. args[i + 1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]
            : fallback;
    }

    private sealed record Row(int Nodes, List<double> All, List<double> First, List<double> GitFetch);
}
