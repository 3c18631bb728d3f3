using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace PeerMesh.Sync.Serving;

/// <summary>
/// Runs the stock <c>git daemon</c> as a child serving the node's repositories read-only on one port, each at
/// <c>git://HOST:PORT/NAME</c> (<see cref="SetServedAsync"/> changes them while it runs, in force for the next
/// connection), restarts it with backoff when it dies, and never leaves it behind: it runs in a session of its own
/// under a guard that ends it with every connection in progress when the node ends, however it ends
/// (<see cref="DaemonGuard"/>). A daemon left by an older node, or by a guard killed on its own, is ended at the next
/// start from its pid file (second line).
/// </summary>
public sealed partial class GitDaemonSupervisor : IAsyncDisposable
{
    private const string PidFileName = "git-daemon.pid";

    private readonly GitDaemonOptions _options;
    private readonly string _basePath;
    private readonly string _pidFile;
    private readonly ServedList _served;
    private readonly Func<int, IReadOnlyList<string>> _arguments;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly TimeProvider _time;
    private readonly ILogger<GitDaemonSupervisor> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _servedGate = new(1, 1);
    private readonly Lock _gate = new();
    private Task _loop = Task.CompletedTask;
    private DaemonProcess? _process;
    private ServingStatus _status;
    private TaskCompletionSource _statusChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// A node's daemon, serving what <see cref="SetServedAsync"/> says (nothing until then; it may be called before or
    /// after <see cref="StartAsync"/>). Its files live in <paramref name="homeDirectory"/>, the node's state folder:
    /// <c>serve/</c> (the daemon's base path: a link per served name), <c>serve.list</c> and <c>git-daemon.pid</c>.
    /// </summary>
    public GitDaemonSupervisor(GitDaemonOptions options, string homeDirectory, TimeProvider time, ILogger<GitDaemonSupervisor> logger)
        : this(options, homeDirectory, time, logger, new ServedList(Path.GetFullPath(homeDirectory)))
    {
    }

    private GitDaemonSupervisor(GitDaemonOptions options, string homeDirectory, TimeProvider time, ILogger<GitDaemonSupervisor> logger, ServedList served)
    {
        options.Validate();
        _options = options;
        _served = served;
        _basePath = served.BasePath;
        _pidFile = Path.Combine(Path.GetFullPath(homeDirectory), PidFileName);
        _arguments = port => DaemonArguments.BuildForHome(_options, _basePath, port, _pidFile);
        _environment = new Dictionary<string, string>(AccessHook.Environment(served.BasePath, served.ListFile)
            .Concat(ServedRefs.Environment(homeDirectory)))
        {
            // Our command-line config only: the node's own environment could carry anybody's.
            ["GIT_CONFIG_PARAMETERS"] = "",
        };
        _time = time;
        _logger = logger;
        _status = new ServingStatus(false, 0, 0, null);
    }

    public ServingStatus Status
    {
        get
        {
            lock (_gate)
            {
                return _status;
            }
        }
    }

    /// <summary>
    /// The repositories served, by name, each with whether a clone of it works now (the daemon up, its git directory
    /// there).
    /// </summary>
    public IReadOnlyList<ServedRepository> Served
    {
        get
        {
            var up = Status.Up;
            return [.. _served.Current
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => new ServedRepository(p.Key, p.Value,
                    !ServedList.IsGitDirectory(p.Value) ? ServedRepositoryState.Missing
                    : up ? ServedRepositoryState.Serving
                    : ServedRepositoryState.DaemonDown))];
        }
    }

    /// <summary>
    /// Serves exactly <paramref name="served"/> (name to git directory; a work tree's <c>.git</c> or a bare repository)
    /// from now on, without restarting the daemon: when this returns, a name no longer in the set is refused from the
    /// next connection on (a clone of it already past the request runs to its end), and a new one can be cloned. The
    /// whole set is checked first; on an error nothing changes. Names come from <see cref="ServedName"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A name is invalid, or two differ only in case.</exception>
    /// <exception cref="ServeException">A directory is not a git repository, is served twice, or its name is held by a file or folder that is not ours.</exception>
    public async Task SetServedAsync(IReadOnlyDictionary<string, string> served, CancellationToken cancellationToken)
    {
        await _servedGate.WaitAsync(cancellationToken);
        try
        {
            var before = _served.Current;
            var after = _served.Validate(served);
            _served.Apply(after);
            foreach (var (name, directory) in after)
            {
                if (!before.TryGetValue(name, out var was) || was != directory)
                {
                    LogServingRepository(name, directory);
                }
            }

            foreach (var name in before.Keys.Where(name => !after.ContainsKey(name)))
            {
                LogNoLongerServing(name);
            }
        }
        finally
        {
            _servedGate.Release();
        }
    }

    /// <summary>The daemon currently serving, if any (tests kill it, or its guard, to check the restart).</summary>
    internal DaemonProcess? CurrentProcess => _process;

    /// <summary>
    /// Completes with the first status (the current one included) that satisfies <paramref name="condition"/>:
    /// tests wait for the supervisor's known points (down with a reason and a next try, serving again) this way.
    /// </summary>
    internal async Task<ServingStatus> WaitForStatusAsync(Func<ServingStatus, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            ServingStatus status;
            Task changed;
            lock (_gate)
            {
                status = _status;
                changed = _statusChanged.Task;
            }

            if (condition(status))
            {
                return status;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Ends a stale daemon, picks the port, starts the daemon and waits until it listens.</summary>
    /// <exception cref="DaemonStartException">git, setsid or sh is missing, or the daemon cannot listen.</exception>
    /// <exception cref="OperationCanceledException">Cancelled (the node is stopping); nothing is left running.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var executable = FindDaemonExecutable();
        var sessionLeader = DaemonGuard.FindSessionLeader();
        Directory.CreateDirectory(Path.GetDirectoryName(_pidFile)!);
        StaleProcessReaper.EndStale(_pidFile, _basePath, _logger);

        var port = ChoosePort();
        string? lastError = null;
        // A free port found by binding and releasing can be taken again before the daemon binds it; try a few.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var (process, error) = await LaunchAsync(sessionLeader, executable, port, cancellationToken);
            if (process is not null)
            {
                _process = process;
                SetStatus(new ServingStatus(true, port, 0, null));
                _loop = SuperviseAsync(sessionLeader, executable, port, process, _stopping.Token);
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

    /// <summary>
    /// Stops restarting, ends the daemon with its connections and waits until they are gone. The token is not
    /// honoured: ending is bounded on its own, and leaving a daemon behind is worse than a slower stop.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        // Returns promptly once cancelled; awaited so that a daemon it starts meanwhile is ended below.
        await _loop;
        if (Interlocked.Exchange(ref _process, null) is { } process)
        {
            await process.DisposeAsync();
        }

        SetStatus(Status with { Up = false, NextTry = null });
        TryDelete(_pidFile);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
        _servedGate.Dispose();
    }

    private async Task SuperviseAsync(IReadOnlyList<string> sessionLeader, string executable, int port, DaemonProcess first, CancellationToken stopping)
    {
        var process = first;
        var failures = 0;
        var restarts = 0;
        string? launchError = null;
        while (true)
        {
            string reason;
            if (process is not null)
            {
                var started = _time.GetTimestamp();
                try
                {
                    await process.Exited.WaitAsync(stopping);
                }
                catch (OperationCanceledException)
                {
                    return; // StopAsync ends it
                }

                if (stopping.IsCancellationRequested)
                {
                    return; // the node is stopping: not a crash, nothing to say
                }

                reason = process.ExitReason;
                // The rest of its session (connections of the dead daemon) ends before the next one starts.
                Interlocked.CompareExchange(ref _process, null, process);
                await process.DisposeAsync();
                failures = _time.GetElapsedTime(started) >= _options.HealthyAfter ? 1 : failures + 1;
            }
            else
            {
                // The last launch failed: keep saying why (a port taken, ...) rather than a vague "it exited".
                reason = launchError ?? "it did not start";
                failures++;
            }

            var delay = _options.RestartBackoff.Delay(failures);
            // Armed before the status says when: whoever waits for that status may advance the clock at once.
            var wait = Task.Delay(delay, _time, stopping);
            SetStatus(new ServingStatus(false, port, restarts, reason, _time.GetUtcNow() + delay));
            LogDaemonDied(reason, delay.TotalSeconds);
            try
            {
                await wait;
                restarts++;
                (process, launchError) = await LaunchAsync(sessionLeader, executable, port, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (DaemonStartException e)
            {
                (process, launchError) = (null, e.Message);
            }

            if (process is null)
            {
                continue;
            }

            _process = process;
            if (stopping.IsCancellationRequested)
            {
                return; // StopAsync may have looked before it was set: it ends it after the loop is done
            }

            SetStatus(new ServingStatus(true, port, restarts, reason));
            LogDaemonRestarted(port);
        }
    }

    /// <summary>Starts the daemon under its guard and waits until it listens, exits, or takes too long.</summary>
    /// <exception cref="OperationCanceledException">Cancelled; what was started is ended first.</exception>
    private async Task<(DaemonProcess? Process, string? Error)> LaunchAsync(IReadOnlyList<string> sessionLeader, string executable, int port, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // git daemon wants its base path to exist; the folder and list say what is served now, whatever a previous
        // run left there or someone removed since.
        await _servedGate.WaitAsync(cancellationToken);
        try
        {
            _served.Apply(_served.Current);
        }
        finally
        {
            _servedGate.Release();
        }

        LogStarting(port);
        var info = DaemonGuard.StartInfo(sessionLeader, executable, _arguments(port), _environment);
        // Ours until it is returned running: ended on every other path (cancelled, failed to start, or a fault here).
        // The analyzer does not see the running process leave in the returned tuple, to the caller that ends it.
        DaemonProcess? process = null;
        try
        {
#pragma warning disable CA2000
            process = DaemonProcess.Start(info, _time, LogDaemonLine);
#pragma warning restore CA2000
            if (await WaitUntilServingAsync(process, port, cancellationToken) is { } error)
            {
                return (null, error);
            }

            var running = process;
            process = null;
            return (running, null);
        }
        finally
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }
        }
    }

    /// <summary>Null once the daemon serves; else why it did not (it is ended then). Throws when the start is cancelled.</summary>
    private async Task<string?> WaitUntilServingAsync(DaemonProcess process, int port, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.StartTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var first = await Task.WhenAny(process.Ready, process.Exited).WaitAsync(linked.Token);
            if (first == process.Ready)
            {
                await process.DaemonIdKnown.WaitAsync(linked.Token);
                // A wait on a task already done ignores the token: a daemon ready before the wait began is still a
                // start cancelled (seen under load: "Ready to rumble" read before the first await).
                cancellationToken.ThrowIfCancellationRequested();
                LogServing(port);
                return null;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        var exited = process.Exited.IsCompleted;
        // Ended first: its last line (why it failed) may still be on its way through stderr.
        await process.EndAsync();
        return exited ? process.LastLine ?? process.ExitReason : "did not start listening in time";
    }

    private void SetStatus(ServingStatus status)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _status = status;
            changed = _statusChanged;
            _statusChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "starting git daemon on port {Port}")]
    private partial void LogStarting(int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "git daemon listening on port {Port}")]
    private partial void LogServing(int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "git port {Taken} is taken; using {Port} instead")]
    private partial void LogDefaultPortTaken(int taken, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "serving down: git daemon {Reason}; restarting in {Seconds:0.#} s")]
    private partial void LogDaemonDied(string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "serving up again: git daemon restarted on port {Port}")]
    private partial void LogDaemonRestarted(int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "serving {Name} ({Directory})")]
    private partial void LogServingRepository(string name, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "no longer serving {Name}")]
    private partial void LogNoLongerServing(string name);

    [LoggerMessage(Level = LogLevel.Debug, Message = "git daemon: {Line}")]
    private partial void LogDaemonLine(string line);
}
