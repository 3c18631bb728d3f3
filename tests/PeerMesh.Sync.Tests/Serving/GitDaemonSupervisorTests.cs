using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Sync.Serving;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Logging;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.Sync.Tests.Serving;

/// <summary>
/// Real git daemon on loopback, real git clients; restarts driven by a fake clock. A node home serving one repository
/// as <c>repo</c>; the one-repository constructor (the Cli's until it composes a node home) has its own test.
/// </summary>
public sealed class GitDaemonSupervisorTests : IAsyncLifetime
{
    /// <summary>Real processes on a loaded machine: how long a known point may take to arrive.</summary>
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    private readonly TempRepository _repo = TempRepository.Create(commits: 2);
    private GitDaemonSupervisor? _supervisor;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string StateDirectory => Path.Combine(_repo.Root, "home");

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
        var parent = GitCli.TryRun(_repo.Root, "ls-remote", Url(supervisor) + "/../");
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
    public async Task Supervise_DaemonKilled_DownWithReasonThenRestartedOnTheSamePortAfterTheBackoff()
    {
        var time = new FakeTimeProvider();
        var supervisor = await StartAsync(time);
        var port = supervisor.Status.Port;
        var first = supervisor.CurrentProcess!.DaemonId!.Value;

        Kill(first);

        var down = await Within(supervisor.WaitForStatusAsync(s => !s.Up, Token));
        Assert.Equal(new ServingStatus(false, port, 0, "killed by signal 9", time.GetUtcNow() + Options().MinRestartDelay), down);
        time.Advance(Options().MinRestartDelay);
        var up = await Within(supervisor.WaitForStatusAsync(s => s.Up, Token));
        Assert.Equal(new ServingStatus(true, port, 1, "killed by signal 9"), up);
        Assert.NotEqual(first, supervisor.CurrentProcess!.DaemonId);
        GitCli.Run(_repo.Root, "ls-remote", Url(supervisor));
    }

    /// <summary>
    /// HOSTILE 54's other side: the guard (which ends the daemon's session when the node dies) killed on its own
    /// leaves no daemon behind either; the supervisor ends the rest of the session and starts a new one.
    /// </summary>
    [Fact]
    public async Task Supervise_GuardKilledAlone_ItsDaemonEndsAndANewOneServes()
    {
        var time = new FakeTimeProvider();
        var supervisor = await StartAsync(time);
        var guard = supervisor.CurrentProcess!.GuardId;
        var daemon = supervisor.CurrentProcess!.DaemonId!.Value;

        Kill(guard);

        await Within(supervisor.WaitForStatusAsync(s => !s.Up, Token));
        Assert.Empty(await DaemonProcesses.WaitUntilGoneAsync([daemon], s_deadline, Token));
        time.Advance(Options().MinRestartDelay);
        await Within(supervisor.WaitForStatusAsync(s => s.Up, Token));
        GitCli.Run(_repo.Root, "ls-remote", Url(supervisor));
    }

    /// <summary>
    /// A parent-death signal (PR_SET_PDEATHSIG) follows the thread that forked, not the process: .NET forks on the
    /// thread that starts the process, so such a daemon would die when that thread exits. Ours must not.
    /// </summary>
    [Fact]
    public async Task StartAsync_FromAThreadThatThenExits_DaemonLivesOnWhileTheProcessLives()
    {
        Directory.CreateDirectory(StateDirectory);
        var launches = 0;
        var logger = new RecordingLogger<GitDaemonSupervisor>((_, message) =>
        {
            if (message.StartsWith("starting git daemon", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref launches);
            }
        });
        _supervisor = await CreateAsync(Options(), TimeProvider.System, logger);
        Task? start = null;
        string? task = null;
        // Runs until StartAsync's first await: the guard is forked on this thread.
        var thread = new Thread(() =>
        {
            task = new FileInfo("/proc/thread-self").LinkTarget;
            start = _supervisor.StartAsync(Token);
        });
        thread.Start();
        thread.Join();

        // The known point: the kernel has reaped the thread (a parent-death signal would have been sent by now).
        var taskDirectory = Path.Combine("/proc", task!);
        await Poll.UntilAsync("the starting thread exited", () => !Directory.Exists(taskDirectory), s_deadline, Token, TimeSpan.FromMilliseconds(10));

        await Within(start!);
        var process = _supervisor.CurrentProcess!;
        GitCli.Run(_repo.Root, "ls-remote", Url(_supervisor));
        Assert.True(DaemonProcesses.IsAlive(process.GuardId));
        Assert.True(DaemonProcesses.IsAlive(process.DaemonId!.Value));
        // The daemon started from that thread is the one serving: no second start, no restart.
        Assert.Equal(1, launches);
        Assert.Equal(new ServingStatus(true, _supervisor.Status.Port, 0, null), _supervisor.Status);
    }

    /// <summary>What a stop of the node sends everywhere (systemd stops every process of a service): only the node ends its daemon.</summary>
    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    [InlineData("HUP")]
    public async Task Supervise_DaemonSentAStopSignal_KeepsServingUntilTheNodeStopsIt(string signal)
    {
        var supervisor = await StartAsync(new FakeTimeProvider());
        var daemon = supervisor.CurrentProcess!.DaemonId!.Value;

        await SendAsync(signal, daemon);

        // The daemon ran after the signal was queued (it accepted this connection): a fatal signal would have ended it.
        GitCli.Run(_repo.Root, "ls-remote", Url(supervisor));
        Assert.True(DaemonProcesses.IsAlive(daemon));
        Assert.Equal(new ServingStatus(true, supervisor.Status.Port, 0, null), supervisor.Status);
    }

    [Fact]
    public async Task StopAsync_CloneInProgress_CutAndEveryProcessOfTheDaemonsSessionEnded()
    {
        var supervisor = await StartAsync();
        var guard = supervisor.CurrentProcess!.GuardId;
        using var clone = await UploadPackConnection.OpenAsync(supervisor.Status.Port, "/repo", Token);
        var session = DaemonProcesses.InSession(guard);
        Assert.True(session.Count >= 4, $"guard, watcher, daemon, connection and upload-pack expected: {DaemonProcesses.Describe(session)}");
        Assert.NotEqual(DaemonProcesses.SessionOf(Environment.ProcessId), guard);

        await supervisor.StopAsync(Token);

        Assert.Empty(await DaemonProcesses.WaitUntilGoneAsync(session, s_deadline, Token));
        Assert.True(await clone.IsCutAsync(s_deadline, Token), "the connection in progress was not cut");
        Assert.False(supervisor.Status.Up);
        Assert.False(File.Exists(Path.Combine(StateDirectory, "git-daemon.pid")));
    }

    [Fact]
    public async Task StartAsync_CancelledWhileTheDaemonStarts_ThrowsCancelledAndLeavesNothing()
    {
        Directory.CreateDirectory(StateDirectory);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var logger = new RecordingLogger<GitDaemonSupervisor>((_, message) =>
        {
            if (message.StartsWith("starting git daemon", StringComparison.Ordinal))
            {
                stop.Cancel();
            }
        });
        _supervisor = await CreateAsync(Options(), TimeProvider.System, logger);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _supervisor.StartAsync(stop.Token));

        Assert.Empty(await DaemonProcesses.WaitUntilGoneAsync(DaemonProcesses.Mentioning(StateDirectory), s_deadline, Token));
        Assert.False(_supervisor.Status.Up);
    }

    [Fact]
    public async Task StartAsync_StaleDaemonFromAKilledNode_IsEnded()
    {
        // A node of a version without the guard, killed with -9, left its daemon running with its pid file: start one the same way.
        Directory.CreateDirectory(Path.Combine(StateDirectory, "serve"));
        var pidFile = Path.Combine(StateDirectory, "git-daemon.pid");
        var info = new ProcessStartInfo("git") { UseShellExecute = false, RedirectStandardError = true };
        info.ArgumentList.Add("daemon");
        foreach (var arg in DaemonArguments.BuildForHome(Options(), Path.Combine(StateDirectory, "serve"), FreePort(), pidFile))
        {
            info.ArgumentList.Add(arg);
        }

        using var orphan = Process.Start(info)!;
        // The pid file is written before the daemon says it is ready.
        while (await orphan.StandardError.ReadLineAsync(Token) is { } line && !line.Contains("Ready to rumble", StringComparison.Ordinal))
        {
        }

        using var orphanDaemon = Process.GetProcessById(int.Parse((await File.ReadAllTextAsync(pidFile, Token)).Trim(), System.Globalization.CultureInfo.InvariantCulture));

        await StartAsync();

        // A TimeoutException here: the stale daemon (then its git wrapper) is still running.
        await orphanDaemon.WaitForExitAsync(Token).WaitAsync(TimeSpan.FromSeconds(5), Token);
        await orphan.WaitForExitAsync(Token).WaitAsync(TimeSpan.FromSeconds(5), Token);
    }

    [Fact]
    public async Task StartAsync_ExplicitPortTaken_ThrowsClearError()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var options = Options();
        options.Port = port;
        _supervisor = await CreateAsync(options, TimeProvider.System, NullLogger<GitDaemonSupervisor>.Instance);

        var error = await Assert.ThrowsAsync<DaemonStartException>(() => _supervisor.StartAsync(Token));
        Assert.Contains($"git port {port} is already in use", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_Started_LeavesNoDaemonAndNoPidFile()
    {
        var supervisor = await StartAsync();
        var daemon = supervisor.CurrentProcess!.DaemonId!.Value;

        await supervisor.StopAsync(Token);

        Assert.Empty(await DaemonProcesses.WaitUntilGoneAsync([daemon], s_deadline, Token));
        Assert.False(supervisor.Status.Up);
        Assert.False(File.Exists(Path.Combine(StateDirectory, "git-daemon.pid")));
    }

    private static GitDaemonOptions Options() => new()
    {
        Listen = IPAddress.Loopback,
        Port = 0,
        MinRestartDelay = TimeSpan.FromSeconds(1),
        MaxRestartDelay = TimeSpan.FromSeconds(30),
    };

    private static async Task<T> Within<T>(Task<T> task) => await task.WaitAsync(s_deadline, Token);

    private static async Task Within(Task task) => await task.WaitAsync(s_deadline, Token);

    private static void Kill(int pid)
    {
        using var process = Process.GetProcessById(pid);
        process.Kill();
    }

    private static async Task SendAsync(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(Token);
        Assert.Equal(0, kill.ExitCode);
    }

    private async Task<GitDaemonSupervisor> StartAsync(TimeProvider? time = null)
    {
        Directory.CreateDirectory(StateDirectory);
        _supervisor = await CreateAsync(Options(), time ?? TimeProvider.System, NullLogger<GitDaemonSupervisor>.Instance);
        await _supervisor.StartAsync(Token);
        return _supervisor;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static string Url(GitDaemonSupervisor supervisor) => $"git://127.0.0.1:{supervisor.Status.Port}/repo";

    /// <summary>A node home's supervisor serving the repository as <c>repo</c>.</summary>
    private async Task<GitDaemonSupervisor> CreateAsync(GitDaemonOptions options, TimeProvider time, ILogger<GitDaemonSupervisor> logger)
    {
        var supervisor = new GitDaemonSupervisor(options, StateDirectory, time, logger);
        var branches = ServedRefs.FileFor(StateDirectory, _repo.GitDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(branches)!);
        await File.WriteAllTextAsync(branches, "[uploadpack]\n\thideRefs = !refs/heads/\n\thideRefs = !HEAD\n", Token);
        await supervisor.SetServedAsync(new Dictionary<string, string> { ["repo"] = _repo.GitDirectory }, Token);
        return supervisor;
    }
}
