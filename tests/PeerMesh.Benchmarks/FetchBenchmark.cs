using PeerMesh.TestSupport.Git;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Mesh.Membership;
using PeerMesh.Sync;
using PeerMesh.Sync.Fetching;
using PeerMesh.Sync.Remotes;

namespace PeerMesh.Benchmarks;

/// <summary>
/// Fetch throughput: a generated repository served by a stock git daemon on loopback, fetched into an empty
/// repository by PeerMesh's <see cref="PeerFetcher"/> (LibGit2Sharp) and by plain <c>git fetch</c>, alternating,
/// several runs each. Prints the times and the ratio.
/// </summary>
internal sealed class FetchBenchmark : IBenchmark
{
    private const string NodeId = "0123456789abcdef0123456789abcdef";

    public string Name => "fetch";

    public string Description => "fetch throughput, PeerMesh vs git fetch (--large: 20k commits, 5k files, ~200 MB; --runs N)";

    public async Task RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        var large = args.Contains("--large");
        var runs = BenchmarkMath.Option(args, "--runs", 5);
        var commits = BenchmarkMath.Option(args, "--commits", large ? 20_000 : 5_000);
        var files = BenchmarkMath.Option(args, "--files", large ? 5_000 : 2_000);
        var bytesPerFile = BenchmarkMath.Option(args, "--file-bytes", large ? 3_300 : 1_000);
        var root = Path.Combine(Path.GetTempPath(), "peermesh-fetch-bench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var source = Path.Combine(root, "src");
            var clock = Stopwatch.StartNew();
            FetchRepoGenerator.Generate(source, commits, files, bytesPerFile);
            var packBytes = Directory.GetFiles(Path.Combine(source, ".git", "objects", "pack"), "*.pack").Sum(f => new FileInfo(f).Length);
            output.WriteLine($"Generated {commits} commits, {files} files, pack {packBytes / (1024.0 * 1024):F1} MiB in {clock.Elapsed.TotalSeconds:F1} s");
            await using var daemon = await GitDaemon.StartAsync(root, cancellationToken);
            var url = $"git://127.0.0.1:{daemon.Port}/src";
            var tip = FetchRepoGenerator.Run(source, null, "rev-parse", "HEAD");

            var ours = new List<double>();
            var git = new List<double>();
            for (var run = 0; run < runs; run++)
            {
                cancellationToken.ThrowIfCancellationRequested();

                // Alternate which goes first, so page cache and daemon warm-up favour neither.
                if (run % 2 == 0)
                {
                    ours.Add(await FetchWithPeerMeshAsync(root, run, daemon.Port, tip, cancellationToken));
                    git.Add(FetchWithGit(root, run, url, tip));
                }
                else
                {
                    git.Add(FetchWithGit(root, run, url, tip));
                    ours.Add(await FetchWithPeerMeshAsync(root, run, daemon.Port, tip, cancellationToken));
                }
            }

            output.WriteLine();
            output.WriteLine($"### Fetch throughput ({commits} commits, {files} files, {packBytes / (1024.0 * 1024):F1} MiB pack, loopback git daemon)");
            output.WriteLine();
            output.WriteLine("| run | PeerMesh (LibGit2Sharp) s | git fetch s | ratio |");
            output.WriteLine("| --- | ---: | ---: | ---: |");
            for (var i = 0; i < runs; i++)
            {
                output.WriteLine($"| {i + 1} | {F(ours[i])} | {F(git[i])} | {ours[i] / git[i]:F2}x |");
            }

            var oursMedian = Median(ours);
            var gitMedian = Median(git);
            output.WriteLine($"| median | {F(oursMedian)} | {F(gitMedian)} | {oursMedian / gitMedian:F2}x |");
            output.WriteLine($"| MiB/s (median) | {packBytes / (1024.0 * 1024) / oursMedian:F1} | {packBytes / (1024.0 * 1024) / gitMedian:F1} | |");
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<double> FetchWithPeerMeshAsync(string root, int run, int port, string tip, CancellationToken cancellationToken)
    {
        var target = Path.Combine(root, $"ours{run}");
        Directory.CreateDirectory(target);
        FetchRepoGenerator.Run(target, null, "init", "-q", "-b", "main");
        var gitDir = Path.Combine(target, ".git");
        var member = new Member(
            NodeId, "source", 1, MemberState.Alive, new IPEndPoint(IPAddress.Loopback, 9419), port,
            [new RepoAnnouncement("bench", "src", "/src", "d", 1)], DiscoverySource.Seed, DateTimeOffset.UnixEpoch);
        var remotes = new ManagedRemotes(gitDir, "bench", TimeProvider.System, NullLogger<ManagedRemotes>.Instance);
        var name = remotes.Reconcile(new MembershipSnapshot(1, [member])).Single().Name;
        var fetcher = new PeerFetcher(gitDir, new SyncOptions(), TimeProvider.System, NullLogger<PeerFetcher>.Instance);
        var clock = Stopwatch.StartNew();
        await fetcher.FetchAsync(name, cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        Check(target, $"refs/remotes/{name}/main", tip);
        Directory.Delete(target, recursive: true);
        return seconds;
    }

    private static double FetchWithGit(string root, int run, string url, string tip)
    {
        var target = Path.Combine(root, $"git{run}");
        Directory.CreateDirectory(target);
        FetchRepoGenerator.Run(target, null, "init", "-q", "-b", "main");
        var clock = Stopwatch.StartNew();
        FetchRepoGenerator.Run(target, null, "fetch", "-q", "--no-tags", url, "+refs/heads/*:refs/remotes/source/*");
        var seconds = clock.Elapsed.TotalSeconds;
        Check(target, "refs/remotes/source/main", tip);
        Directory.Delete(target, recursive: true);
        return seconds;
    }

    private static void Check(string target, string refName, string tip)
    {
        var got = FetchRepoGenerator.Run(target, null, "rev-parse", refName);
        if (got != tip)
        {
            throw new InvalidOperationException($"{refName} is {got}, expected {tip}");
        }
    }


    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string F(double seconds) => seconds.ToString("F2", CultureInfo.InvariantCulture);
}
