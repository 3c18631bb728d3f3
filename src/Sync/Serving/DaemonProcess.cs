using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace PeerMesh.Sync.Serving;

/// <summary>
/// One run of the git daemon under its <see cref="DaemonGuard"/>: started, watched until it says it listens or
/// exits, and ended together with every process of its session (the daemon, connections in progress, the guard).
/// </summary>
internal sealed class DaemonProcess : IAsyncDisposable
{
    private const string ReadyLine = "Ready to rumble";

    /// <summary>A SIGKILLed group is gone in microseconds; this bounds a machine that is very busy before the fallback.</summary>
    private static readonly TimeSpan s_endTimeout = TimeSpan.FromSeconds(5);

    private readonly Process _guard;
    private readonly TimeProvider _time;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private Task<int?>? _daemonId;
    private Task? _ending;
    private volatile string? _lastLine;

    private DaemonProcess(Process guard, TimeProvider time)
    {
        _guard = guard;
        _time = time;
    }

    /// <summary>The guard exited: the daemon ended (or the guard was killed on its own).</summary>
    public Task Exited => _exited.Task;

    /// <summary>The daemon said it listens.</summary>
    public Task Ready => _ready.Task;

    /// <summary>The guard's pid: it leads the session and the process group of the daemon.</summary>
    public int GuardId => _guard.Id;

    /// <summary>The daemon's pid, once the guard has said it.</summary>
    public int? DaemonId => _daemonId is { IsCompletedSuccessfully: true } id ? id.Result : null;

    /// <summary>Completes when the guard has said the daemon's pid (null if it ended first).</summary>
    public Task<int?> DaemonIdKnown => _daemonId!;

    /// <summary>The daemon's last line on stderr (why it failed to start, when it did).</summary>
    public string? LastLine => _lastLine;

    /// <summary>Why the daemon ended, in plain words; only after <see cref="Exited"/>.</summary>
    public string ExitReason
    {
        get
        {
            // The guard exits with the daemon's status, 128 + N for death by signal N, as .NET reports a signal too.
            var code = _guard.ExitCode;
            return code > 128 ? $"killed by signal {code - 128}" : $"exited with code {code}";
        }
    }

    /// <exception cref="DaemonStartException">The session leader or sh cannot be run.</exception>
    public static DaemonProcess Start(ProcessStartInfo info, TimeProvider time, Action<string> onLine)
    {
        var guard = new Process { StartInfo = info, EnableRaisingEvents = true };
        var daemon = new DaemonProcess(guard, time);
        guard.Exited += (_, _) => daemon._exited.TrySetResult();
        guard.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            if (e.Data.Contains(ReadyLine, StringComparison.Ordinal))
            {
                daemon._ready.TrySetResult();
                return;
            }

            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                daemon._lastLine = e.Data;
            }

            onLine(e.Data);
        };
        try
        {
            guard.Start();
        }
        catch (Win32Exception e)
        {
            guard.Dispose();
            throw new DaemonStartException($"cannot run {info.FileName}: {e.Message}");
        }

        guard.BeginErrorReadLine();
        daemon._daemonId = ReadDaemonIdAsync(guard);
        return daemon;
    }

    /// <summary>
    /// Ends the daemon with its whole session and waits until they are gone: closing the pipe is what the node's
    /// death does too. The guard's exit with the end of its stderr, which every process of the session shares,
    /// is the known point. Idempotent.
    /// </summary>
    public Task EndAsync()
    {
        lock (_gate)
        {
            return _ending ??= EndCoreAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await EndAsync();
        _guard.Dispose();
    }

    private async Task EndCoreAsync()
    {
        try
        {
            _guard.StandardInput.Close();
        }
        catch (IOException)
        {
        }

        try
        {
            await _guard.WaitForExitAsync().WaitAsync(s_endTimeout, _time);
        }
        catch (TimeoutException)
        {
            // Only if the guard's watcher itself was killed: end what is left of the tree by hand.
            try
            {
                _guard.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or Win32Exception)
            {
            }
        }
    }

    private static async Task<int?> ReadDaemonIdAsync(Process guard)
    {
        try
        {
            var line = await guard.StandardOutput.ReadLineAsync();
            return int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return null;
        }
    }
}
