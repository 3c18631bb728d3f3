using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Sync.Serving;
using PeerMesh.TestSupport.Git;
using Xunit;

namespace PeerMesh.Sync.Tests.Serving;

/// <summary>Real git daemon on loopback, real git clients.</summary>
public sealed class GitDaemonSupervisorTests : IAsyncLifetime
{
    private readonly TempRepository _repo = TempRepository.Create(commits: 2);
    private GitDaemonSupervisor? _supervisor;

    private string StateDirectory => Path.Combine(_repo.GitDirectory, "peermesh");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_supervisor is not null)
        {
            await _supervisor.DisposeAsync();
        }

        _repo.Dispose();
    }

    [Fact]
    public async Task StartAsync_PortZero_ServesACloneableRepository()
    {
        var supervisor = await StartAsync();

        Assert.True(supervisor.Status.Up);
        Assert.NotEqual(0, supervisor.Status.Port);
        var clone = Path.Combine(_repo.Root, "clone");
        GitCli.Run(_repo.Root, "clone", "-q", Url(supervisor), clone);
        Assert.Equal(_repo.Head(), GitCli.Run(clone, "rev-parse", "HEAD").Trim());
    }

    [Fact]
    public async Task Serve_PushArchiveAndOtherPaths_AreRefusedEvenWhenTheRepositoryEnablesThem()
    {
        _repo.Git("config", "daemon.receivepack", "true");
        _repo.Git("config", "daemon.uploadarch", "true");
        var supervisor = await StartAsync();
        var clone = Path.Combine(_repo.Root, "clone");
        GitCli.Run(_repo.Root, "clone", "-q", Url(supervisor), clone);
        GitCli.Run(clone, "commit", "-q", "--allow-empty", "-m", "pushed");
        var before = _repo.RefsSnapshot();

        var push = GitCli.TryRun(clone, "push", "origin", "HEAD:refs/heads/pushed");
        var archive = GitCli.TryRun(clone, "archive", "--remote", Url(supervisor), "HEAD");
        var parent = GitCli.TryRun(_repo.Root, "ls-remote", Url(supervisor) + "../");
        var absolute = GitCli.TryRun(_repo.Root, "ls-remote", $"git://127.0.0.1:{supervisor.Status.Port}/etc");

        Assert.NotEqual(0, push.ExitCode);
        Assert.NotEqual(0, archive.ExitCode);
        Assert.NotEqual(0, parent.ExitCode);
        Assert.NotEqual(0, absolute.ExitCode);
        // Refused without saying what exists on the server.
        Assert.DoesNotContain(_repo.Root, parent.Stderr + absolute.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, _repo.RefsSnapshot());
    }

    [Fact]
    public async Task Supervise_DaemonKilled_IsRestartedOnTheSamePort()
    {
        var supervisor = await StartAsync();
        var port = supervisor.Status.Port;
        var first = supervisor.CurrentProcess!;

        first.Kill();

        await PollAsync(() => supervisor.Status is { Up: true, Restarts: 1 });
        Assert.Equal(port, supervisor.Status.Port);
        Assert.Contains("killed by signal", supervisor.Status.LastError, StringComparison.Ordinal);
        GitCli.Run(_repo.Root, "ls-remote", Url(supervisor));
    }

    [Fact]
    public async Task StartAsync_StaleDaemonFromAKilledNode_IsEnded()
    {
        // A node killed with -9 leaves its daemon running with its pid file: start one the same way.
        Directory.CreateDirectory(StateDirectory);
        var pidFile = Path.Combine(StateDirectory, "git-daemon.pid");
        var info = new System.Diagnostics.ProcessStartInfo("git") { UseShellExecute = false, RedirectStandardError = true };
        info.ArgumentList.Add("daemon");
        foreach (var arg in DaemonArguments.Build(Options(), _repo.GitDirectory, FreePort(), pidFile))
        {
            info.ArgumentList.Add(arg);
        }

        using var orphan = System.Diagnostics.Process.Start(info)!;
        await PollAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0);
        using var orphanDaemon = System.Diagnostics.Process.GetProcessById(int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture));

        await StartAsync();

        Assert.True(orphanDaemon.WaitForExit(5000), "the stale daemon is still running");
        Assert.True(orphan.WaitForExit(5000), "the stale git wrapper is still running");
    }

    [Fact]
    public async Task StartAsync_ExplicitPortTaken_ThrowsClearError()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var options = Options();
        options.Port = port;
        _supervisor = new GitDaemonSupervisor(options, _repo.GitDirectory, StateDirectory, TimeProvider.System, NullLogger<GitDaemonSupervisor>.Instance);

        var error = await Assert.ThrowsAsync<DaemonStartException>(() => _supervisor.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains($"git port {port} is already in use", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_Started_LeavesNoDaemonAndNoPidFile()
    {
        var supervisor = await StartAsync();
        var process = supervisor.CurrentProcess!;

        await supervisor.StopAsync(TestContext.Current.CancellationToken);

        Assert.True(process.HasExited);
        Assert.False(supervisor.Status.Up);
        Assert.False(File.Exists(Path.Combine(StateDirectory, "git-daemon.pid")));
    }

    private static GitDaemonOptions Options() => new()
    {
        Listen = IPAddress.Loopback,
        Port = 0,
        MinRestartDelay = TimeSpan.FromMilliseconds(50),
        MaxRestartDelay = TimeSpan.FromMilliseconds(200),
    };

    private async Task<GitDaemonSupervisor> StartAsync()
    {
        Directory.CreateDirectory(StateDirectory);
        _supervisor = new GitDaemonSupervisor(Options(), _repo.GitDirectory, StateDirectory, TimeProvider.System, NullLogger<GitDaemonSupervisor>.Instance);
        await _supervisor.StartAsync(TestContext.Current.CancellationToken);
        return _supervisor;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static string Url(GitDaemonSupervisor supervisor) => $"git://127.0.0.1:{supervisor.Status.Port}/";

    private static async Task PollAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
