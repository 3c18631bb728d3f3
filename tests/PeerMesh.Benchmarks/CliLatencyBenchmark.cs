using System.Diagnostics;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;

namespace PeerMesh.Benchmarks;

/// <summary>
/// How fast the command answers (issue 15): <c>peermesh status --json</c> (and the table) run as a user runs it, the
/// executable started directly (the apphost beside this benchmark, built from src/Cli; <c>--exe PATH</c> for another,
/// such as the installed tool <c>~/.dotnet/tools/peermesh</c>), against a running node serving a repository, next to
/// <c>git status</c> of the same repository. The three commands take turns, after a warm-up, so that load on the
/// machine falls on each alike. Wall time from process start to exit.
/// </summary>
internal sealed class CliLatencyBenchmark : IBenchmark
{
    private const double GoalMs = 50;

    public string Name => "cli-latency";

    public string Description => "status --json wall time p50/p99 against git status of the same repository (--runs 50 --exe PATH)";

    /// <summary>The apphost built with this benchmark (Release: src/Cli's bin/Release output, copied beside it).</summary>
    public static string DefaultExecutable => Path.Combine(AppContext.BaseDirectory, "peermesh");

    public async Task RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        var runs = BenchmarkMath.Option(args, "--runs", 50);
        var exe = Array.IndexOf(args, "--exe") is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : DefaultExecutable;
        var latency = await MeasureAsync(exe, runs, cancellationToken);

        output.WriteLine();
        output.WriteLine($"### CLI latency ({runs} runs each, {latency.Executable})");
        output.WriteLine();
        output.WriteLine("| command | p50 ms | p99 ms | p50 against git status | goal |");
        output.WriteLine("| --- | ---: | ---: | ---: | --- |");
        output.WriteLine($"| git status | {latency.GitStatusP50:F0} | {BenchmarkMath.Percentile(latency.GitStatusMs, 99):F0} | 1.0x | |");
        output.WriteLine($"| peermesh status --json | {latency.StatusJsonP50:F0} | {latency.StatusJsonP99:F0} | {latency.Ratio:F1}x | < {GoalMs:F0} ms {(latency.StatusJsonP50 < GoalMs ? "ok" : "MISSED")} |");
        output.WriteLine($"| peermesh status | {BenchmarkMath.Percentile(latency.StatusMs, 50):F0} | {BenchmarkMath.Percentile(latency.StatusMs, 99):F0} | {BenchmarkMath.Percentile(latency.StatusMs, 50) / latency.GitStatusP50:F1}x | |");
    }

    /// <summary>
    /// Starts a node (its own home, loopback, no mDNS) serving a new repository, then runs <c>status --json</c>,
    /// <c>status</c> and <c>git status</c> in it <paramref name="runs"/> times each, in turn, with
    /// <paramref name="executable"/> as <c>peermesh</c>; the node is stopped and everything removed after.
    /// </summary>
    public static async Task<CliLatency> MeasureAsync(string executable, int runs, CancellationToken cancellationToken)
    {
        if (!File.Exists(executable))
        {
            throw new FileNotFoundException($"no peermesh executable at {executable}; build the benchmarks with -c Release, or give --exe PATH", executable);
        }

        using var repo = TempRepository.Create(commits: 20, name: "latency");
        var home = Directory.CreateTempSubdirectory("peermesh-latency-home-");
        try
        {
            await using var node = NodeProcess.Start(repo.Path, LoopbackMesh.NodeFlags, home: home.FullName);
            await node.WaitUntilUpAsync(cancellationToken);
            string[][] commands = [[executable, "status", "--json"], [executable, "status"], ["git", "status"]];
            var times = commands.Select(_ => new List<double>()).ToArray();
            for (var run = -3; run < runs; run++)
            {
                for (var c = 0; c < commands.Length; c++)
                {
                    var ms = await TimeAsync(commands[c], repo.Path, home.FullName, cancellationToken);
                    if (run >= 0)
                    {
                        times[c].Add(ms);
                    }
                }
            }

            return new CliLatency(executable, times[0], times[1], times[2]);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    /// <summary>Runs the command to its end in <paramref name="directory"/>; the wall time in ms (it must exit 0).</summary>
    private static async Task<double> TimeAsync(string[] command, string directory, string home, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in command.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["PEERMESH_HOME"] = home;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        await stdout;
        return process.ExitCode == 0 ? elapsed : throw new InvalidOperationException($"{string.Join(' ', command)} exited {process.ExitCode}: {await stderr}");
    }
}
