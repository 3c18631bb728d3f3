using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace PeerMesh.TestSupport.Processes;

/// <summary>
/// A running <c>peermesh up</c> in a repository: its stderr is collected, and it is always killed on
/// dispose (with its process tree) if the test did not stop it.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _logWaiters = [];
    private readonly IReadOnlyList<string>? _prefix;

    private NodeProcess(Process process, string repoPath, IReadOnlyList<string>? prefix, string home)
    {
        _process = process;
        RepoPath = repoPath;
        Home = home;
        _prefix = prefix;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_log)
                {
                    _log.AppendLine(e.Data);
                    foreach (var waiter in _logWaiters.Where(w => e.Data.Contains(w.Text, StringComparison.Ordinal)).ToList())
                    {
                        waiter.Seen.TrySetResult();
                        _logWaiters.Remove(waiter);
                    }
                }
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
    }

    public string RepoPath { get; }

    /// <summary>The node's home (<see cref="PeerMeshCli.HomeFor"/> the repository unless the test named one).</summary>
    public string Home { get; }

    public Process Process => _process;

    /// <summary>
    /// Whether the node's process has ended: reaped, or a zombie this test process has not reaped yet. The runtime
    /// reaps its children on a signal thread, which lags on a loaded machine, so <see cref="Process.HasExited"/> can
    /// still say false right after the process ended (as <c>peermesh down</c> sees it).
    /// </summary>
    public bool HasEnded
    {
        get
        {
            if (_process.HasExited)
            {
                return true;
            }

            try
            {
                var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
                return stat[(stat.LastIndexOf(')') + 2)..] is ['Z' or 'X', ..];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return true; // gone from /proc between the two looks
            }
        }
    }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <param name="environment">Variables set for the node's process only, besides those every run gets.</param>
    public static NodeProcess Start(string repoPath, IEnumerable<string> upArgs, IReadOnlyList<string>? prefix = null, string? home = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        home ??= PeerMeshCli.HomeFor(repoPath);
        var info = PeerMeshCli.StartInfo(repoPath, ["up", .. upArgs], prefix, home);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info)!;
        process.StandardInput.Close();
        return new NodeProcess(process, repoPath, prefix, home);
    }

    /// <summary>Runs <c>peermesh ARGS</c> in <paramref name="directory"/> (default: the repository) for this node's home.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, CancellationToken cancellationToken, string? directory = null) =>
        PeerMeshCli.RunAsync(directory ?? RepoPath, args, cancellationToken, _prefix, Home);

    /// <summary>Polls <c>status --json</c> until it answers and <paramref name="condition"/> holds.</summary>
    public async Task<JsonNode> WaitForStatusAsync(Func<JsonNode, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        JsonNode? last = null;
        await Poll.UntilAsync(
            "`peermesh status --json` meets the condition",
            async ct =>
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"peermesh up exited with {_process.ExitCode}:\n{Log}");
                }

                last = await PeerMeshCli.StatusAsync(RepoPath, ct, _prefix, Home);
                return last is not null && condition(last);
            },
            timeout,
            cancellationToken,
            TimeSpan.FromMilliseconds(100),
            () => $"last status:\n{last?.ToJsonString()}\nlog:\n{Log}");
        return last!;
    }

    /// <summary>Completes when a line of the node's log contains <paramref name="text"/> (already logged, or as it is).</summary>
    public async Task WaitForLogAsync(string text, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_log)
        {
            if (_log.ToString().Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            _logWaiters.Add((text, seen));
        }

        var exited = _process.WaitForExitAsync(cancellationToken);
        var first = await Task.WhenAny(seen.Task, exited).WaitAsync(timeout, cancellationToken);
        if (first != seen.Task)
        {
            throw new InvalidOperationException($"peermesh up exited with {_process.ExitCode} before logging '{text}':\n{Log}");
        }
    }

    /// <summary>Sends a signal (kill's name for it, such as INT or TERM) to the node, or with <paramref name="group"/> to its process group.</summary>
    public async Task SignalAsync(string signal, bool group, CancellationToken cancellationToken)
    {
        var target = (group ? -_process.Id : _process.Id).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var kill = Process.Start("kill", [$"-{signal}", "--", target]);
        await kill.WaitForExitAsync(cancellationToken);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {target} failed");
        }
    }

    public Task<JsonNode> WaitUntilUpAsync(CancellationToken cancellationToken) =>
        WaitForStatusAsync(_ => true, TimeSpan.FromSeconds(30), cancellationToken);

    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit(5000);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        DaemonProcesses.KillServing(Home);
    }
}
