using System.Diagnostics;

namespace PeerMesh.TestSupport.Netns;

/// <summary>
/// A long-running process inside a host's namespace. Its stdout and stderr go to log files (readable while it runs);
/// disposing kills it if it is still running.
/// </summary>
public sealed class NetnsProcess : IAsyncDisposable
{
    private readonly Process _process;
    private int _disposed;
    private int _exitCode;
    private volatile bool _released;

    private NetnsProcess(Process process, string name, string stdoutPath, string stderrPath)
    {
        _process = process;
        Name = name;
        StdoutPath = stdoutPath;
        StderrPath = stderrPath;
        Id = process.Id;
    }

    /// <summary>Label used in log file names and messages.</summary>
    public string Name { get; }

    /// <summary>The process id (`ip netns exec` execs, so this is the command itself, not a wrapper).</summary>
    public int Id { get; }

    public string StdoutPath { get; }

    public string StderrPath { get; }

    public bool HasExited => _released || _process.HasExited;

    /// <summary>The exit code once exited; null while running. Killed by a signal reads as 128 + signal.</summary>
    public int? ExitCode => _released ? _exitCode : _process.HasExited ? _process.ExitCode : null;

    /// <summary>
    /// Starts <paramref name="argv"/> behind <paramref name="launcher"/> (e.g. `ip netns exec NS`). A shell redirects
    /// the output straight to files and then execs the command, so the pid is the command's own and children that
    /// outlive it (a git daemon after kill -9) cannot hold a pipe of ours open.
    /// </summary>
    internal static NetnsProcess Start(
        IReadOnlyList<string> launcher,
        IReadOnlyList<string> argv,
        string? workingDirectory,
        IReadOnlyDictionary<string, string?>? environment,
        string name,
        string logDirectory)
    {
        Directory.CreateDirectory(logDirectory);
        var stem = Path.Combine(logDirectory, name);
        var stdoutPath = UniquePath(stem + ".stdout.log");
        var stderrPath = UniquePath(stem + ".stderr.log");
        var args = new List<string>(launcher.Skip(1))
        {
            "/bin/sh",
            "-c",
            "out=$1; err=$2; shift 2; exec \"$@\" >\"$out\" 2>\"$err\" </dev/null",
            "sh",
            stdoutPath,
            stderrPath,
        };
        args.AddRange(argv);
        var info = CommandRunner.CreateStartInfo(launcher[0], args, workingDirectory, environment);
        info.RedirectStandardOutput = false;
        info.RedirectStandardError = false;
        var process = new Process { StartInfo = info };
        process.Start();
        return new NetnsProcess(process, name, stdoutPath, stderrPath);
    }

    /// <summary>What the process wrote to stdout so far.</summary>
    public string ReadStdout() => ReadShared(StdoutPath);

    /// <summary>What the process wrote to stderr so far.</summary>
    public string ReadStderr() => ReadShared(StderrPath);

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        if (_released)
        {
            return _exitCode;
        }

        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, like `kill -9`: no chance to clean up (its children are left behind, ended by the namespace teardown).</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        if (!HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: false);
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
        }

        await WaitForExitAsync(cancellationToken);
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited within the grace period. Returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        if (!HasExited)
        {
            await CommandRunner.RunAsync(CommandRunner.FindTool("kill"), ["-TERM", Id.ToString()], cancellationToken);
            using var grace = new CancellationTokenSource(gracePeriod);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, grace.Token);
            try
            {
                await _process.WaitForExitAsync(linked.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                CommandRunner.KillQuietly(_process);
            }
        }

        return await WaitForExitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        CommandRunner.KillQuietly(_process);
        await _process.WaitForExitAsync(CancellationToken.None);
        _exitCode = _process.ExitCode;
        _released = true;
        _process.Dispose();
    }

    private static string ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return string.Empty;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string UniquePath(string path)
    {
        if (!File.Exists(path))
        {
            return path;
        }

        for (var i = 2; ; i++)
        {
            var candidate = path.Replace(".log", $".{i}.log", StringComparison.Ordinal);
            if (!File.Exists(candidate))
            {
                return candidate;
            }
        }
    }
}
