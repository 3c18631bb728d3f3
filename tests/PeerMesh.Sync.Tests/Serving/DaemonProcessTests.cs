using System.Net;
using PeerMesh.Sync.Serving;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.Sync.Tests.Serving;

/// <summary>The guard's session with each way of leading it (setsid where installed, perl where not: macOS).</summary>
public sealed class DaemonProcessTests : IDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);
    private readonly TempRepository _repo = TempRepository.Create(commits: 1);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _repo.Dispose();

    [Theory]
    [InlineData("setsid")]
    [InlineData("perl")]
    public async Task Start_EitherSessionLeader_DaemonInTheGuardsOwnSessionAndGroupAndEndAsyncEndsThemAll(string leader)
    {
        var program = DaemonGuard.FindOnPath(leader);
        Assert.SkipWhen(program is null, $"{leader} is not installed here");
        var sessionLeader = leader == "perl" ? DaemonGuard.PerlSessionLeader(program!) : [program!];
        var daemon = Path.Combine(GitCli.Run(_repo.Root, "--exec-path").Trim(), "git-daemon");
        var home = Path.Combine(_repo.Root, "home");
        Directory.CreateDirectory(Path.Combine(home, "serve"));
        var options = new GitDaemonOptions { Listen = IPAddress.Loopback };
        var arguments = DaemonArguments.BuildForHome(options, Path.Combine(home, "serve"), GitDaemon.FreePort(), Path.Combine(home, "git-daemon.pid"));
        var lines = new List<string>();

        var process = DaemonProcess.Start(DaemonGuard.StartInfo(sessionLeader, daemon, arguments), TimeProvider.System, lines.Add);
        await using (process)
        {
            await Task.WhenAny(process.Ready, process.Exited).WaitAsync(s_deadline, Token);
            Assert.True(process.Ready.IsCompleted, $"the daemon did not start: {string.Join('\n', lines)}");
            var pid = (await process.DaemonIdKnown.WaitAsync(s_deadline, Token))!.Value;

            Assert.Equal(process.GuardId, DaemonProcesses.SessionOf(process.GuardId));
            Assert.Equal(process.GuardId, DaemonProcesses.SessionOf(pid));
            Assert.Equal(process.GuardId, DaemonProcesses.GroupOf(pid));
            Assert.NotEqual(DaemonProcesses.SessionOf(Environment.ProcessId), process.GuardId);
            var session = DaemonProcesses.InSession(process.GuardId);

            await process.EndAsync();

            Assert.Empty(await DaemonProcesses.WaitUntilGoneAsync(session, s_deadline, Token));
        }
    }
}
