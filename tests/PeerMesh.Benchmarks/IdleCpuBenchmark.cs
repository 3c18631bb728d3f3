using System.Diagnostics;
using System.Globalization;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;

namespace PeerMesh.Benchmarks;

/// <summary>
/// Idle CPU (issue 15): one node serving R repositories, each also served by P peer nodes on loopback (seeds), with
/// the default fetch interval, nothing changing. After every node has its remotes and a warm-up, the node's CPU
/// (utime + stime + cutime + cstime from <c>/proc/PID/stat</c>, its git daemon and the git processes it ran included) and its threads' context switches (wakeups)
/// are read at the start and the end of the window. Goal: under 0.2 % of a core for 10 repositories.
/// </summary>
internal sealed class IdleCpuBenchmark : IBenchmark
{
    /// <summary>The goal of issue 15, in percent of one core.</summary>
    public const double GoalPercent = 0.2;

    private static readonly TimeSpan s_converge = TimeSpan.FromSeconds(180);
    private static readonly string[] s_flags = ["--listen", "127.0.0.1", "--git-port", "0", "--gossip-port", "0"];

    public string Name => "idle-cpu";

    public string Description => "CPU of an idle node serving 1 and 10 repositories with peers (--repos 1,10 --peers 2 --minutes 2 --warmup 20 --mdns off|on|both)";

    public async Task RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        var repoCounts = IntList(args, "--repos", [1, 10]);
        var peerCounts = IntList(args, "--peers", [2]);
        var window = TimeSpan.FromMinutes(DoubleOption(args, "--minutes", 2));
        var warmup = TimeSpan.FromSeconds(DoubleOption(args, "--warmup", 20));
        var mdnsModes = Option(args, "--mdns", "off") switch
        {
            "on" => new[] { true },
            "both" => [false, true],
            _ => [false],
        };

        var rows = new List<IdleCpuResult>();
        foreach (var mdns in mdnsModes)
        {
            foreach (var repos in repoCounts)
            {
                foreach (var peers in peerCounts)
                {
                    var result = await MeasureAsync(repos, peers, window, warmup, mdns, output, cancellationToken);
                    output.WriteLine($"{result.Repos} repos, {result.Peers} peers, mDNS {(mdns ? "on" : "off")}: {result.CorePercent:F3} % of a core, {result.WakeupsPerSecond:F1} wakeups/s");
                    rows.Add(result);
                }
            }
        }

        output.WriteLine();
        output.WriteLine($"### Idle CPU of one node (loopback, peers by seed, default fetch interval, {window.TotalMinutes:0.#} min after {warmup.TotalSeconds:0} s warm-up)");
        output.WriteLine();
        output.WriteLine("| repositories | peers | mDNS | % of a core | wakeups/s | ratio to goal | goal |");
        output.WriteLine("| ---: | ---: | --- | ---: | ---: | ---: | --- |");
        foreach (var r in rows)
        {
            var ratio = r.CorePercent / GoalPercent;
            output.WriteLine($"| {r.Repos} | {r.Peers} | {(r.Mdns ? "on" : "off")} | {r.CorePercent:F3} | {r.WakeupsPerSecond:F1} | {ratio:F2}x | < {GoalPercent} {(ratio < 1 ? "ok" : "MISSED")} |");
        }
    }

    /// <summary>
    /// Starts a node serving <paramref name="repos"/> new repositories and <paramref name="peers"/> peer nodes serving
    /// clones of all of them, waits until the node has every remote, lets it settle for <paramref name="warmup"/>, then
    /// measures the node (and its git daemon) over <paramref name="window"/>. Stops everything it started.
    /// </summary>
    public static async Task<IdleCpuResult> MeasureAsync(int repos, int peers, TimeSpan window, TimeSpan warmup, bool mdns, TextWriter log, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("peermesh-idle-cpu-");
        var repositories = new List<TempRepository>();
        var nodes = new List<NodeProcess>();
        try
        {
            var projects = Enumerable.Range(0, repos).Select(i => Track(repositories, TempRepository.Create(commits: 2, name: "project" + I(i)))).ToList();
            var mine = projects.Select(p => Track(repositories, TempRepository.CloneOf(p, "me-" + Path.GetFileName(p.Path)))).ToList();
            List<string> flags = [.. s_flags];
            if (!mdns)
            {
                flags.Add("--no-mdns");
            }

            var node = await ServingNodes.StartAsync(Path.Combine(root.FullName, "me-home"), mine, flags, cancellationToken);
            nodes.Add(node);
            var seed = (int)(await node.WaitUntilUpAsync(cancellationToken))["node"]!["gossipPort"]!;
            for (var p = 0; p < peers; p++)
            {
                var theirs = projects.Select(project => Track(repositories, TempRepository.CloneOf(project, $"peer{I(p)}-" + Path.GetFileName(project.Path)))).ToList();
                nodes.Add(await ServingNodes.StartAsync(Path.Combine(root.FullName, $"peer{I(p)}-home"), theirs, [.. s_flags, "--no-mdns", "--peer", "127.0.0.1:" + I(seed)], cancellationToken));
            }

            await Poll.UntilAsync(
                $"{repos * peers} remotes",
                async ct => await ServingNodes.RemotesAsync(node, ct) >= repos * peers,
                s_converge,
                cancellationToken,
                TimeSpan.FromMilliseconds(500));

            // A benchmark, not a test: the first fetches and the start's one-off work end within the warm-up.
            await Task.Delay(warmup, cancellationToken);
            var pid = node.Process.Id;
            var before = Sample(pid);
            var clock = Stopwatch.StartNew();
            await Task.Delay(window, cancellationToken);
            var after = Sample(pid);
            var seconds = clock.Elapsed.TotalSeconds;
            var cpuSeconds = (after.Ticks - before.Ticks) / (double)ClockTicksPerSecond;
            log.WriteLine($"idle-cpu {repos} repos, {peers} peers: {cpuSeconds:F2} s CPU in {seconds:F0} s");
            // Threads in both samples only: one that ended meanwhile would take its whole count away.
            var switches = after.Switches.Where(t => before.Switches.ContainsKey(t.Key)).Sum(t => t.Value - before.Switches[t.Key]);
            return new IdleCpuResult(repos, peers, mdns, window, 100 * cpuSeconds / seconds, switches / seconds);
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
            foreach (var repository in repositories)
            {
                repository.Dispose();
            }

            root.Delete(recursive: true);
        }
    }

    /// <summary>The usual USER_HZ of Linux; /proc's times are in these ticks.</summary>
    private const int ClockTicksPerSecond = 100;

    /// <summary>CPU ticks (own and reaped children's) of <paramref name="pid"/> and its live descendants (the git daemon), and each of their threads' context switches.</summary>
    private static (long Ticks, Dictionary<string, long> Switches) Sample(int pid)
    {
        long ticks = 0;
        var switches = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var id in WithDescendants(pid))
        {
            try
            {
                // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15, and the
                // children reaped so far cutime 16, cstime 17 (the git daemon's upload-packs serving the peers).
                var stat = File.ReadAllText($"/proc/{id}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += fields[11..15].Sum(f => long.Parse(f, CultureInfo.InvariantCulture));
                foreach (var task in Directory.EnumerateDirectories($"/proc/{id}/task"))
                {
                    foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                    {
                        if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                        {
                            switches[task] = switches.GetValueOrDefault(task) + long.Parse(line[(line.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A process or thread that ended while it was read.
            }
        }

        return (ticks, switches);
    }

    private static List<int> WithDescendants(int pid)
    {
        var parents = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var id))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var ppid = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                if (!parents.TryGetValue(ppid, out var children))
                {
                    parents[ppid] = children = [];
                }

                children.Add(id);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        List<int> all = [pid];
        for (var i = 0; i < all.Count; i++)
        {
            all.AddRange(parents.GetValueOrDefault(all[i]) ?? []);
        }

        return all;
    }

    private static TempRepository Track(List<TempRepository> all, TempRepository repository)
    {
        all.Add(repository);
        return repository;
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private static double DoubleOption(string[] args, string name, double fallback) =>
        double.TryParse(Option(args, name, ""), CultureInfo.InvariantCulture, out var value) ? value : fallback;

    private static List<int> IntList(string[] args, string name, List<int> fallback)
    {
        var text = Option(args, name, "");
        return text.Length == 0 ? fallback : [.. text.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
