using System.Diagnostics;
using System.Globalization;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;

namespace PeerMesh.Benchmarks;

/// <summary>
/// One node per person (issue 13), measured with the real executable on loopback (seeds, no mDNS):
/// <list type="bullet">
/// <item>RSS of one node serving R projects, each also served by P peer nodes, against the sum of R single-project
/// nodes (one home each) doing the same work: what one person's machine carries either way.</item>
/// <item>Propagation: a commit on a peer until it is in the node's tracking refs, with the node and the peer serving
/// one project, then R: the cost of serving many.</item>
/// </list>
/// </summary>
internal sealed class ManyReposBenchmark : IBenchmark
{
    private static readonly TimeSpan s_converge = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan s_perCommit = TimeSpan.FromSeconds(30);
    private static readonly string[] s_flags = ["--listen", "127.0.0.1", "--git-port", "0", "--gossip-port", "0", "--no-mdns", "--fetch-interval", "3600"];

    public string Name => "many-repos";

    public string Description => "one node serving many projects: RSS against one node per project, propagation against one project (--repos 10 --peers 3 --commits 20 --settle 40)";

    public async Task RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        var repos = BenchmarkMath.Option(args, "--repos", 10);
        var peers = BenchmarkMath.Option(args, "--peers", 3);
        var commits = BenchmarkMath.Option(args, "--commits", 20);
        // RSS is read at convergence and again after this many idle seconds (past the node's first heap trim, 30 s).
        var settle = TimeSpan.FromSeconds(BenchmarkMath.Option(args, "--settle", 40));
        using var work = new TempFolder();
        var projects = Enumerable.Range(0, repos).Select(i => TempRepository.Create(commits: 2, name: "project" + I(i))).ToList();
        try
        {
            var one = await RssAsync(work, projects, peers, oneHome: true, settle, output, cancellationToken);
            var each = await RssAsync(work, projects, peers, oneHome: false, settle, output, cancellationToken);
            var single = await PropagationAsync(work, projects.Take(1).ToList(), commits, output, cancellationToken);
            var many = await PropagationAsync(work, projects, commits, output, cancellationToken);

            output.WriteLine();
            output.WriteLine($"### One node serving {repos} projects, {peers} peer nodes serving each (loopback; RSS after {settle.TotalSeconds:F0} s idle)");
            output.WriteLine();
            output.WriteLine("| what | RSS MiB | goal |");
            output.WriteLine("| --- | ---: | --- |");
            output.WriteLine($"| one node, {repos} projects | {one.Sum():F0} | < 80 {(one.Sum() < 80 ? "ok" : "MISSED")} |");
            output.WriteLine($"| {repos} nodes, one project each (sum) | {each.Sum():F0} | |");
            output.WriteLine($"| {repos} nodes, one project each (one of them, median) | {BenchmarkMath.Percentile(each, 50):F0} | |");
            output.WriteLine();
            output.WriteLine($"| propagation, a commit on a peer until in the node's tracking refs ({commits} commits) | p50 ms | p99 ms | ratio p50 |  goal |");
            output.WriteLine("| --- | ---: | ---: | ---: | --- |");
            output.WriteLine($"| both serve 1 project | {BenchmarkMath.Percentile(single, 50):F0} | {BenchmarkMath.Percentile(single, 99):F0} | 1.00x | |");
            var ratio = BenchmarkMath.Percentile(many, 50) / BenchmarkMath.Percentile(single, 50);
            output.WriteLine($"| both serve {repos} projects | {BenchmarkMath.Percentile(many, 50):F0} | {BenchmarkMath.Percentile(many, 99):F0} | {ratio:F2}x | <= 1.2x {(ratio <= 1.2 ? "ok" : "MISSED")} |");
        }
        finally
        {
            foreach (var project in projects)
            {
                project.Dispose();
            }
        }
    }

    /// <summary>
    /// The measured side serves every project from one home (<paramref name="oneHome"/>) or from one home per project;
    /// the peers always serve every project from one home each. Returns the RSS (MiB) of the measured side's processes
    /// once every one of them has a remote for every peer in every project it serves.
    /// </summary>
    private static async Task<List<double>> RssAsync(TempFolder work, List<TempRepository> projects, int peers, bool oneHome, TimeSpan settle, TextWriter output, CancellationToken cancellationToken)
    {
        var label = oneHome ? "one-home" : "home-per-project";
        var nodes = new List<(NodeProcess Node, int Projects)>();
        try
        {
            var measured = projects.Select(p => Clone(work, p, $"{label}-me")).ToList();
            // The first measured node is the seed of every other node.
            nodes.Add((await StartServingAsync(work.Sub($"{label}-me-home0"), oneHome ? measured : [measured[0]], seed: null, cancellationToken), oneHome ? projects.Count : 1));
            var seed = await SeedOfAsync(nodes[0].Node, cancellationToken);
            if (!oneHome)
            {
                foreach (var (clone, i) in measured.Select((c, i) => (c, i)).Skip(1))
                {
                    nodes.Add((await StartServingAsync(work.Sub($"{label}-me-home{I(i)}"), [clone], seed, cancellationToken), 1));
                }
            }

            var peerNodes = new List<NodeProcess>();
            for (var p = 0; p < peers; p++)
            {
                var clones = projects.Select(project => Clone(work, project, $"{label}-peer{I(p)}")).ToList();
                peerNodes.Add(await StartServingAsync(work.Sub($"{label}-peer{I(p)}-home"), clones, seed, cancellationToken));
            }

            var took = Stopwatch.StartNew();
            foreach (var (node, count) in nodes)
            {
                await Poll.UntilAsync(
                    $"{label}: {count * peers} remotes",
                    async ct => await ServingNodes.RemotesAsync(node, ct) >= count * peers,
                    s_converge,
                    cancellationToken,
                    TimeSpan.FromMilliseconds(500));
            }

            var converged = nodes.Select(n => ServingNodes.RssMiB(n.Node.Process.Id)).ToList();
            await Task.Delay(settle, cancellationToken);
            var rss = nodes.Select(n => ServingNodes.RssMiB(n.Node.Process.Id)).ToList();
            output.WriteLine($"{label}: converged in {took.Elapsed.TotalSeconds:F1} s; RSS MiB then {Join(converged)}; after {settle.TotalSeconds:F0} s idle {Join(rss)}");
            await Task.WhenAll(peerNodes.Select(n => n.DisposeAsync().AsTask()));
            return rss;
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.Node.DisposeAsync().AsTask()));
        }
    }

    /// <summary>Node A and peer B both serve <paramref name="projects"/>; commits on B's first project, one at a time.</summary>
    private static async Task<List<double>> PropagationAsync(TempFolder work, List<TempRepository> projects, int commits, TextWriter output, CancellationToken cancellationToken)
    {
        var label = $"propagation-{I(projects.Count)}";
        var mine = projects.Select(p => Clone(work, p, $"{label}-a")).ToList();
        var theirs = projects.Select(p => Clone(work, p, $"{label}-b")).ToList();
        var a = await StartServingAsync(work.Sub($"{label}-a-home"), mine, seed: null, cancellationToken);
        await using var aOwned = a;
        var b = await StartServingAsync(work.Sub($"{label}-b-home"), theirs, await SeedOfAsync(a, cancellationToken), cancellationToken);
        await using var bOwned = b;
        await Poll.UntilAsync($"{label}: one remote per project", async ct => await ServingNodes.RemotesAsync(a, ct) >= projects.Count, s_converge, cancellationToken, TimeSpan.FromMilliseconds(500));

        var samples = new List<double>();
        for (var c = 0; c < commits; c++)
        {
            // The clock starts when `git commit` returns, before the id is read (a fetch may land while it is read).
            File.WriteAllText(Path.Combine(theirs[0].Path, $"propagation-{I(c)}.txt"), I(c) + "\n");
            theirs[0].Git("add", "-A");
            theirs[0].Git("commit", "-q", "-m", "propagation " + I(c));
            var started = Stopwatch.StartNew();
            var sha = theirs[0].Head();
            if (await Poll.TryUntilAsync(() => HasTrackingRef(mine[0], sha), s_perCommit, cancellationToken, TimeSpan.FromMilliseconds(2)) is null)
            {
                throw new TimeoutException($"{label}: commit {sha} did not arrive within {s_perCommit}");
            }

            samples.Add(started.Elapsed.TotalMilliseconds);
        }

        output.WriteLine($"{label}: samples ms {string.Join(" ", samples.Select(s => s.ToString("F0", CultureInfo.InvariantCulture)))}");
        return samples;
    }

    /// <summary>A node serving <paramref name="repos"/> from <paramref name="home"/>, seeded with <paramref name="seed"/> if given.</summary>
    private static Task<NodeProcess> StartServingAsync(string home, List<TempRepository> repos, int? seed, CancellationToken cancellationToken) =>
        ServingNodes.StartAsync(home, repos, seed is { } port ? [.. s_flags, "--peer", "127.0.0.1:" + I(port)] : s_flags, cancellationToken);

    /// <summary>The gossip port of <paramref name="node"/>, the seed every later node is given.</summary>
    private static async Task<int> SeedOfAsync(NodeProcess node, CancellationToken cancellationToken) =>
        (int)(await node.WaitUntilUpAsync(cancellationToken))["node"]!["gossipPort"]!;

    /// <summary>Any <c>refs/remotes/*/main</c> at <paramref name="sha"/>, read from the files: no process per poll.</summary>
    private static bool HasTrackingRef(TempRepository clone, string sha)
    {
        try
        {
            var remotes = Path.Combine(clone.GitDirectory, "refs", "remotes");
            if (Directory.Exists(remotes) && Directory.EnumerateDirectories(remotes).Any(r => File.Exists(Path.Combine(r, "main")) && File.ReadAllText(Path.Combine(r, "main")).Trim() == sha))
            {
                return true;
            }

            var packed = Path.Combine(clone.GitDirectory, "packed-refs");
            return File.Exists(packed) && File.ReadLines(packed).Any(l => l.StartsWith(sha + " refs/remotes/", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false; // being replaced right now: the next poll reads it
        }
    }

    private static TempRepository Clone(TempFolder work, TempRepository project, string owner) =>
        work.Track(TempRepository.CloneOf(project, owner + "-" + Path.GetFileName(project.Path)));


    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Join(IEnumerable<double> values) => string.Join(" ", values.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)));


    /// <summary>A folder for the homes, and the clones made; all removed at the end.</summary>
    private sealed class TempFolder : IDisposable
    {
        private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("peermesh-many-repos-");
        private readonly List<TempRepository> _clones = [];

        public string Sub(string name) => Path.Combine(_root.FullName, name);

        public TempRepository Track(TempRepository clone)
        {
            _clones.Add(clone);
            return clone;
        }

        public void Dispose()
        {
            foreach (var clone in _clones)
            {
                clone.Dispose();
            }

            _root.Delete(recursive: true);
        }
    }
}
