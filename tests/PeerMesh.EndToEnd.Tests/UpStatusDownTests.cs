using System.Diagnostics;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.EndToEnd.Tests;

/// <summary>The real executable, a real repository, the stock git daemon, stock git clients.</summary>
public sealed class UpStatusDownTests : IDisposable
{
    private static readonly string[] s_loopback = ["--listen", "127.0.0.1", "--git-port", "0", "--gossip-port", "0", "--no-mdns"];
    private readonly TempRepository _repo = TempRepository.Create(commits: 3);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _repo.Dispose();

    [Fact]
    public async Task Up_ServesTheRepository_CloneMatchesPushRefusedDownLeavesNothing()
    {
        await using var node = NodeProcess.Start(_repo.Path, s_loopback);
        var status = await node.WaitUntilUpAsync(Token);

        Assert.Equal(1, (int)status["version"]!);
        Assert.Equal(32, ((string)status["node"]!["id"]!).Length);
        var url = (string)status["repos"]![0]!["url"]!;
        Assert.StartsWith("git://127.0.0.1:", url, StringComparison.Ordinal);
        Assert.Equal(_repo.Git("rev-list", "--max-parents=0", "HEAD").Trim(), (string)status["repos"]![0]!["id"]!);
        Assert.Empty(status["peers"]!.AsArray());

        var clone = Path.Combine(_repo.Root, "clone");
        GitCli.Run(_repo.Root, "clone", "-q", url, clone);
        Assert.Equal(_repo.Head(), GitCli.Run(clone, "rev-parse", "HEAD").Trim());

        GitCli.Run(clone, "commit", "-q", "--allow-empty", "-m", "try to push");
        var push = GitCli.TryRun(clone, "push", url, "HEAD:refs/heads/pushed");
        Assert.NotEqual(0, push.ExitCode);
        Assert.DoesNotContain("refs/heads/pushed", _repo.RefsSnapshot(), StringComparison.Ordinal);

        // The listening daemon only: the connections of the clone and push above may still be ending.
        var daemons = DaemonsServing(_repo.GitDirectory);
        Assert.Single(daemons);

        var (code, stdout, _) = await PeerMeshCli.RunAsync(_repo.Path, ["down"], Token);
        Assert.Equal(0, code);
        Assert.Contains("it was the last repository, so the node of", stdout, StringComparison.Ordinal);
        Assert.True(node.HasEnded, "down returned before the node was gone");
        Assert.Empty(DaemonsServing(_repo.GitDirectory));
        Assert.False(File.Exists(Path.Combine(_repo.GitDirectory, "peermesh", "control.sock")));
    }

    [Fact]
    public async Task Up_OutsideARepository_Exits2WithOneLine()
    {
        var dir = Directory.CreateTempSubdirectory("peermesh-e2e-");
        try
        {
            var (code, stdout, stderr) = await PeerMeshCli.RunAsync(dir.FullName, ["up"], Token);

            Assert.Equal(2, code);
            Assert.Equal("", stdout);
            Assert.Equal(
                $"peermesh: {dir.FullName} is not inside a git repository, and the node of {PeerMeshCli.HomeFor(dir.FullName)} served nothing before; give a repository's path",
                stderr.TrimEnd('\n'));
        }
        finally
        {
            dir.Delete();
        }
    }

    /// <summary>One node per home: a second <c>up</c> of a served repository asks the running node and returns.</summary>
    [Fact]
    public async Task Up_AgainInTheSameRepository_ServedAlreadyNoSecondNode()
    {
        await using var node = NodeProcess.Start(_repo.Path, [.. s_loopback, "--name", "first-node"]);
        await node.WaitUntilUpAsync(Token);

        var (code, stdout, stderr) = await node.RunAsync(["up", .. s_loopback], Token);

        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.StartsWith($"{_repo.Path} is served already\nthe node serves 1 repository:\n", stdout, StringComparison.Ordinal);
        Assert.False(node.Process.HasExited);
        Assert.Single(DaemonsServing(_repo.GitDirectory));
    }

    /// <summary>A node-level flag the running node was not started with cannot be changed by a later <c>up</c>.</summary>
    [Fact]
    public async Task Up_AgainWithAnotherNodeFlag_Exits2NamingTheFlag()
    {
        await using var node = NodeProcess.Start(_repo.Path, [.. s_loopback, "--name", "first-node"]);
        await node.WaitUntilUpAsync(Token);

        var (code, stdout, stderr) = await node.RunAsync(["up", "--name", "second-node"], Token);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal($"peermesh: the node of {node.Home} runs with another --name (first-node); stop it with 'peermesh down --all' to change it\n", stderr);
    }

    /// <summary>HOSTILE 54: no orphan to reap any more; the daemon ends with the node, and the next node serves.</summary>
    [Fact]
    public async Task Up_AfterKill9_NoDaemonOutlivesTheNodeAndTheNextUpServes()
    {
        await using var first = NodeProcess.Start(_repo.Path, s_loopback);
        var port = (int)(await first.WaitUntilUpAsync(Token))["serving"]!["port"]!;
        Assert.Single(DaemonsServing(_repo.GitDirectory));
        var serving = DaemonProcesses.ServingTree(_repo.GitDirectory);

        first.KillHard();

        // A TimeoutException here: the node did not die.
        await first.Process.WaitForExitAsync(Token).WaitAsync(TimeSpan.FromSeconds(30), Token);
        Assert.Empty(await DaemonProcesses.WaitUntilGoneAsync(serving, TimeSpan.FromSeconds(10), Token));
        Assert.Empty(DaemonsServing(_repo.GitDirectory));
        Assert.NotEqual(0, GitCli.TryRun(_repo.Root, "ls-remote", $"git://127.0.0.1:{port}/").ExitCode);

        await using var second = NodeProcess.Start(_repo.Path, s_loopback);
        var status = await second.WaitUntilUpAsync(Token);

        Assert.Single(DaemonsServing(_repo.GitDirectory));
        Assert.DoesNotContain("ended a stale git daemon", second.Log, StringComparison.Ordinal);
        GitCli.Run(_repo.Root, "ls-remote", (string)status["repos"]![0]!["url"]!);
    }

    [Fact]
    public async Task Up_Sigterm_StopsWithin2SecondsWithItsDaemon()
    {
        await using var node = NodeProcess.Start(_repo.Path, s_loopback);
        await node.WaitUntilUpAsync(Token);
        var stopwatch = Stopwatch.StartNew();

        using (var kill = Process.Start("kill", ["-TERM", node.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(Token);
        }

        await node.Process.WaitForExitAsync(Token).WaitAsync(TimeSpan.FromSeconds(5), Token);
        stopwatch.Stop();
        Assert.Equal(0, node.Process.ExitCode);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"stopping took {stopwatch.Elapsed}");
        Assert.Empty(DaemonsServing(_repo.GitDirectory));
    }

    private static List<Process> DaemonsServing(string gitDirectory) => DaemonProcesses.Serving(gitDirectory);
}
