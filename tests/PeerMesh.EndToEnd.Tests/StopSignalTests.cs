using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.EndToEnd.Tests;

/// <summary>
/// Stopping <c>up</c> with a signal at any moment, with the real executable: a clean exit (0, or 130 for SIGINT), no
/// stack trace, no "serving down ... restarting", and nothing of the node left running.
/// </summary>
public sealed class StopSignalTests : IDisposable
{
    private static readonly string[] s_loopback = ["-v", "--listen", "127.0.0.1", "--git-port", "0", "--gossip-port", "0", "--no-mdns", "--web", "127.0.0.1:0"];
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A terminal's foreground job has SIGINT at its default; a test run started in the background (nohup, a CI
    /// script's job) passes it on ignored, and .NET then leaves it ignored. Reset it as the terminal would have it.
    /// </summary>
    private static readonly string[] s_defaultSigint = ["env", "--default-signal=INT"];
    private readonly TempRepository _repo = TempRepository.Create(commits: 2);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        DaemonProcesses.KillServing(_repo.GitDirectory);
        _repo.Dispose();
    }

    /// <summary>
    /// The signal is sent as each start stage's log line appears, so it lands during the next stage: launching the
    /// daemon, starting gossip, sync (the ref watcher: it threw and aborted before, exit 134), seeds, discovery, the
    /// control socket and the dashboard, and once up.
    /// </summary>
    [Theory]
    [InlineData("starting git daemon", "TERM", 0)]
    [InlineData("git daemon listening", "TERM", 0)]
    [InlineData("gossip mesh node", "TERM", 0)]
    [InlineData("published digest", "TERM", 0)]
    [InlineData("dashboard at", "TERM", 0)]
    [InlineData("serving ", "TERM", 0)]
    [InlineData("starting git daemon", "INT", 130)]
    [InlineData("gossip mesh node", "INT", 130)]
    public async Task Up_SignalAtAStartStage_ExitsCleanlyAndLeavesNothing(string stage, string signal, int exitCode)
    {
        await using var node = NodeProcess.Start(_repo.Path, s_loopback, prefix: s_defaultSigint);
        await node.WaitForLogAsync(stage, s_deadline, Token);

        await node.SignalAsync(signal, group: false, Token);

        await AssertStoppedCleanlyAsync(node, exitCode);
    }

    /// <summary>
    /// Ctrl-C in a terminal signals the whole foreground process group. The node leads its group here (setsid), as a
    /// shell's job does; the daemon, in a session of its own, hears nothing and is stopped by the node.
    /// </summary>
    [Fact]
    public async Task Up_SigintToItsProcessGroup_Exits130WithoutRestartingTheDaemonAndLeavesNothing()
    {
        await using var node = NodeProcess.Start(_repo.Path, s_loopback, prefix: [.. s_defaultSigint, "setsid"]);
        await node.WaitUntilUpAsync(Token);
        Assert.Equal(node.Process.Id, DaemonProcesses.GroupOf(node.Process.Id));

        await node.SignalAsync("INT", group: true, Token);

        await AssertStoppedCleanlyAsync(node, 130);
    }

    /// <summary>
    /// A service manager's stop (systemd's default) sends SIGTERM to every process of the service at once: the
    /// daemon's death must not be taken for a crash while the node stops.
    /// </summary>
    [Fact]
    public async Task Up_SigtermToEveryProcessAtOnce_NoRestartLineAndLeavesNothing()
    {
        await using var node = NodeProcess.Start(_repo.Path, s_loopback);
        await node.WaitUntilUpAsync(Token);
        var everyone = DaemonProcesses.ServingTree(_repo.GitDirectory).Prepend(node.Process.Id)
            .Select(pid => pid.ToString(System.Globalization.CultureInfo.InvariantCulture));

        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", .. everyone]))
        {
            await kill.WaitForExitAsync(Token);
        }

        await AssertStoppedCleanlyAsync(node, 0);
    }

    private async Task AssertStoppedCleanlyAsync(NodeProcess node, int exitCode)
    {
        await node.Process.WaitForExitAsync(Token).WaitAsync(s_deadline, Token);
        var log = node.Log;
        Assert.True(node.Process.ExitCode == exitCode, $"exit {node.Process.ExitCode}, expected {exitCode}:\n{log}");
        Assert.DoesNotContain("   at ", log, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", log, StringComparison.Ordinal);
        Assert.DoesNotContain(" error ", log, StringComparison.Ordinal);
        Assert.DoesNotContain("serving down", log, StringComparison.Ordinal);
        Assert.DoesNotContain("restarting", log, StringComparison.Ordinal);
        Assert.Empty(await DaemonProcesses.WaitUntilGoneAsync(DaemonProcesses.Mentioning(_repo.GitDirectory), s_deadline, Token));
        Assert.False(File.Exists(Path.Combine(_repo.GitDirectory, "peermesh", "control.sock")), "control socket left");
    }
}
