using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace PeerMesh.Sync.Serving;

/// <summary>
/// Runs the stock <c>git daemon</c> as a child serving one repository read-only, restarts it with
/// backoff when it dies, and never leaves it orphaned: its pid is kept in the state directory and
/// a stale daemon left by a node killed with -9 is ended at the next start.
/// </summary>
public sealed partial class GitDaemonSupervisor : IAsyncDisposable
{
    private const string ReadyLine = "Ready to rumble";
    private const string PidFileName = "git-daemon.pid";

    private readonly GitDaemonOptions _options;
    private readonly string _gitDirectory;
    private readonly string _pidFile;
    private readonly TimeProvider _time;
    private readonly ILogger<GitDaemonSupervisor> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private Process? _process;
    private volatile ServingStatus _status;

    public GitDaemonSupervisor(GitDaemonOptions options, string gitDirectory, string stateDirectory, TimeProvider time, ILogger<GitDaemonSupervisor> logger)
    {
        options.Validate();
        _options = options;
        _gitDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(gitDirectory));
        _pidFile = Path.Combine(stateDirectory, PidFileName);
        _time = time;
        _logger = logger;
        _status = new ServingStatus(false, 0, 0, null);
    }

    public ServingStatus Status => _status;

    /// <summary>The process currently serving, if any (tests kill it to check the restart).</summary>
    internal Process? CurrentProcess => _process;

    /// <summary>Ends a stale daemon, picks the port, starts the daemon and waits until it listens.</summary>
    /// <exception cref="DaemonStartException">git is missing, or the daemon cannot listen.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var executable = FindDaemonExecutable();
        Directory.CreateDirectory(Path.GetDirectoryName(_pidFile)!);
        StaleProcessReaper.EndStale(_pidFile, _gitDirectory, _logger);

        var port = ChoosePort();
        string? lastError = null;
        // A free port found by binding and releasing can be taken again before the daemon binds it; try a few.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var (process, error) = await LaunchAsync(executable, port, cancellationToken);
            if (process is not null)
            {
                _process = process;
                _status = new ServingStatus(true, port, 0, null);
                _loop = SuperviseAsync(executable, port, _stopping.Token);
                return;
            }

            lastError = error;
            if (_options.Port != 0 && _options.Port != GitDaemonOptions.DefaultPort)
            {
                break;
            }

            port = FreePort();
        }

        throw new DaemonStartException($"git daemon could not listen on port {port}: {lastError}");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await _loop.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        Kill(_process);
        _process = null;
        _status = _status with { Up = false };
        TryDelete(_pidFile);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
    }

    private async Task SuperviseAsync(string executable, int port, CancellationToken stopping)
    {
        var failures = 0;
        var restarts = 0;
        string? launchError = null;
        while (!stopping.IsCancellationRequested)
        {
            var process = _process;
            var started = _time.GetTimestamp();
            var reason = "it exited";
            if (process is not null)
            {
                try
                {
                    await process.WaitForExitAsync(stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                reason = ExitReason(process);
                process.Dispose();
                _process = null;
                failures = _time.GetElapsedTime(started) >= _options.HealthyAfter ? 1 : failures + 1;
            }
            else
            {
                // The last launch failed: keep saying why (a port taken, ...) rather than a vague "it exited".
                reason = launchError ?? "it did not start";
                failures++;
            }

            var delay = Backoff(failures);
            _status = new ServingStatus(false, port, restarts, reason);
            LogDaemonDied(reason, delay.TotalSeconds);
            try
            {
                await Task.Delay(delay, _time, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            restarts++;
            var (restarted, error) = await LaunchAsync(executable, port, stopping);
            _process = restarted;
            launchError = error;
            if (restarted is null)
            {
                _status = new ServingStatus(false, port, restarts, error);
                continue;
            }

            _status = new ServingStatus(true, port, restarts, reason);
            LogDaemonRestarted(port);
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var factor = Math.Pow(2, Math.Min(failures - 1, 16));
        var delay = TimeSpan.FromTicks((long)Math.Min(_options.MinRestartDelay.Ticks * factor, _options.MaxRestartDelay.Ticks));
        return delay;
    }

    private async Task<(Process? Process, string? Error)> LaunchAsync(string executable, int port, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in DaemonArguments.Build(_options, _gitDirectory, port, _pidFile))
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new DaemonStartException("git daemon did not start");
        }
        catch (Win32Exception e)
        {
            throw new DaemonStartException($"cannot run {executable}: {e.Message}");
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? lastLine = null;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            if (e.Data.Contains(ReadyLine, StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
            else
            {
                lastLine = e.Data;
                LogDaemonLine(e.Data);
            }
        };
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.StartTimeout);
        var exited = process.WaitForExitAsync(timeout.Token);
        try
        {
            var first = await Task.WhenAny(ready.Task, exited);
            if (first == ready.Task)
            {
                LogServing(port);
                return (process, null);
            }
        }
        catch (OperationCanceledException)
        {
        }

        var error = process.HasExited ? lastLine ?? $"exited with code {process.ExitCode}" : "did not start listening in time";
        Kill(process);
        process.Dispose();
        return (null, error);
    }

    private int ChoosePort()
    {
        if (_options.Port == 0)
        {
            return FreePort();
        }

        if (IsFree(_options.Port))
        {
            return _options.Port;
        }

        if (_options.Port == GitDaemonOptions.DefaultPort)
        {
            var port = FreePort();
            LogDefaultPortTaken(GitDaemonOptions.DefaultPort, port);
            return port;
        }

        throw new DaemonStartException($"git port {_options.Port} is already in use; choose another with --git-port, or 0 for any free port");
    }

    private bool IsFree(int port)
    {
        try
        {
            using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(_options.Listen ?? IPAddress.Any, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private int FreePort()
    {
        using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(_options.Listen ?? IPAddress.Any, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static string FindDaemonExecutable()
    {
        string execPath;
        try
        {
            var info = new ProcessStartInfo("git", "--exec-path") { RedirectStandardOutput = true, UseShellExecute = false };
            using var git = Process.Start(info) ?? throw new DaemonStartException("git did not start");
            execPath = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
        }
        catch (Win32Exception)
        {
            throw new DaemonStartException("git is not installed or not on PATH; PeerMesh serves repositories with the stock git daemon");
        }

        var daemon = Path.Combine(execPath, "git-daemon");
        return File.Exists(daemon)
            ? daemon
            : throw new DaemonStartException($"git daemon is not installed ({daemon} is missing); install the package that provides it (Debian: git)");
    }

    private static string ExitReason(Process process)
    {
        var code = process.ExitCode;
        // On Unix, .NET reports death by signal N as 128 + N.
        return code > 128 ? $"killed by signal {code - 128}" : $"exited with code {code}";
    }

    private static void Kill(Process? process)
    {
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(2000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (Win32Exception)
        {
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "git daemon listening on port {Port}")]
    private partial void LogServing(int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "git port {Taken} is taken; using {Port} instead")]
    private partial void LogDefaultPortTaken(int taken, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "serving down: git daemon {Reason}; restarting in {Seconds:0.#} s")]
    private partial void LogDaemonDied(string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "serving up again: git daemon restarted on port {Port}")]
    private partial void LogDaemonRestarted(int port);

    [LoggerMessage(Level = LogLevel.Debug, Message = "git daemon: {Line}")]
    private partial void LogDaemonLine(string line);
}
