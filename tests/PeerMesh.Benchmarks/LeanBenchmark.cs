using System.Globalization;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Processes;

namespace PeerMesh.Benchmarks;

/// <summary>
/// The RSS rows of "Lean and quick": real <c>peermesh up</c> processes on loopback, measured once they have done
/// what the row says and then idled for <c>--settle</c> seconds (RSS read from /proc). The other rows of that table
/// have benchmarks of their own (idle-cpu, cli-latency, mdns-join, soak), named in the table this prints.
/// </summary>
internal sealed class LeanBenchmark : IBenchmark
{
    private const double GoalMiB = 60;
    private static readonly TimeSpan s_converge = TimeSpan.FromMinutes(5);

    public string Name => "lean";

    public string Description => "RSS of a node: alone, in a mesh of 10, on a 3000-commit history, on a large generated project (--settle 10 --big 1)";

    public async Task RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        var settle = TimeSpan.FromSeconds(BenchmarkMath.Option(args, "--settle", 10));
        var big = BenchmarkMath.Option(args, "--big", 1) == 1;
        var rows = new List<(string What, string Rss)>
        {
            ("one node alone on a small repository", Format(await AloneAsync(settle, cancellationToken))),
            ("one node in a mesh of 10 on loopback (median, max)", Format(await MeshOfTenAsync(settle, cancellationToken))),
            ("a node on a generated 3000-commit repository with two peers, one 1500 commits behind (the node, the one that fetched)",
                Format(await HistoryAsync(3000, 1500, 1, 200, 2000, settle, cancellationToken))),
        };
        if (big)
        {
            // The size of libgit2's own repository (85 MiB pack, 16 450 commits, 272 refs), generated: no real one is at hand.
            rows.Add(("two nodes on a generated project of 16 450 commits, 85 MiB pack, 272 refs, after one fetched 15 000 commits from the other",
                Format(await HistoryAsync(16_450, 1_450, 271, 2_000, 5_200, settle, cancellationToken))));
        }

        output.WriteLine();
        output.WriteLine("| RSS | MiB | goal |");
        output.WriteLine("| --- | ---: | --- |");
        foreach (var (what, rss) in rows)
        {
            output.WriteLine($"| {what} | {rss} | < {GoalMiB:F0} |");
        }
    }

    private static async Task<double[]> AloneAsync(TimeSpan settle, CancellationToken cancellationToken)
    {
        await using var mesh = new LoopbackMesh();
        var (node, _) = await mesh.StartCloneAsync("alone", null, null, cancellationToken);
        await Task.Delay(settle, cancellationToken);
        return [ServingNodes.RssMiB(node.Process.Id)];
    }

    private static async Task<double[]> MeshOfTenAsync(TimeSpan settle, CancellationToken cancellationToken)
    {
        await using var mesh = new LoopbackMesh();
        var nodes = new List<NodeProcess>();
        for (var i = 0; i < 10; i++)
        {
            nodes.Add((await mesh.StartCloneAsync("node" + i.ToString(CultureInfo.InvariantCulture), i == 0 ? null : nodes[0], null, cancellationToken)).Node);
        }

        foreach (var node in nodes)
        {
            await node.WaitForStatusAsync(s => s["peers"]!.AsArray().Count(p => (string?)p!["state"] == "alive") == 9, s_converge, cancellationToken);
        }

        await Task.Delay(settle, cancellationToken);
        var rss = nodes.Select(n => ServingNodes.RssMiB(n.Process.Id)).ToList();
        return [BenchmarkMath.Percentile(rss, 50), rss.Max()];
    }

    /// <summary>
    /// A node on a generated history of <paramref name="commits"/> commits (and <paramref name="branches"/> more
    /// branches), a peer with the same, and a peer with only the first <paramref name="behind"/>; returns the RSS of
    /// the node and of the peer that was behind, once that peer has the node's tip in its tracking refs.
    /// </summary>
    private static async Task<double[]> HistoryAsync(int commits, int behind, int branches, int files, int bytesPerFile, TimeSpan settle, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("peermesh-lean-");
        var nodes = new List<NodeProcess>();
        try
        {
            var full = Path.Combine(root.FullName, "full");
            FetchRepoGenerator.Generate(full, commits, files, bytesPerFile);
            for (var b = 1; b < branches; b++)
            {
                FetchRepoGenerator.Run(full, null, "branch", "topic" + b.ToString(CultureInfo.InvariantCulture), $"main~{b * (commits - 1) / branches}");
            }

            var tip = FetchRepoGenerator.Run(full, null, "rev-parse", "main").Trim();
            var same = Path.Combine(root.FullName, "same");
            FetchRepoGenerator.Run(root.FullName, null, "clone", "-q", "--no-local", full, same);
            var late = Path.Combine(root.FullName, "late");
            FetchRepoGenerator.Generate(late, behind, files, bytesPerFile);

            var node = NodeProcess.Start(full, [.. LoopbackMesh.NodeFlags, "--name", "node"]);
            nodes.Add(node);
            var seed = await LoopbackMesh.GossipPortAsync(node, cancellationToken);
            nodes.Add(NodeProcess.Start(same, [.. LoopbackMesh.NodeFlags, "--name", "same", "--peer", $"127.0.0.1:{seed}"]));
            var lateNode = NodeProcess.Start(late, [.. LoopbackMesh.NodeFlags, "--name", "late", "--peer", $"127.0.0.1:{seed}"]);
            nodes.Add(lateNode);

            await Poll.UntilAsync(
                "the late peer has the node's tip",
                () => FetchRepoGenerator.Run(late, null, "for-each-ref", "--format=%(objectname)", "refs/remotes").Contains(tip, StringComparison.Ordinal),
                s_converge,
                cancellationToken,
                TimeSpan.FromMilliseconds(200));
            await Task.Delay(settle, cancellationToken);
            return [ServingNodes.RssMiB(node.Process.Id), ServingNodes.RssMiB(lateNode.Process.Id)];
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }

            root.Delete(recursive: true);
        }
    }

    private static string Format(double[] values) =>
        string.Join(", ", values.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)));
}
