using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PeerMesh.Sync.Serving;
using PeerMesh.Sync.Tests.Serving;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Git;
using Xunit;

namespace PeerMesh.Sync.Tests.Hostile;

/// <summary>
/// HOSTILE-INPUTS 39 against the real git daemon started by <see cref="GitDaemonSupervisor"/> on loopback:
/// many connections that never speak are capped (--max-connections) and timed out (--init-timeout) while a
/// normal client still clones one of the node's repositories.
/// </summary>
public sealed class GitDaemonConnectionFloodTests : IAsyncLifetime
{
    private const int MaxConnections = 32;
    private const int InitTimeoutSeconds = 3;

    private readonly List<Socket> _idle = [];
    private readonly ServingHome _home = new(new GitDaemonOptions { MaxConnections = MaxConnections, InitTimeoutSeconds = InitTimeoutSeconds });

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var socket in _idle)
        {
            socket.Dispose();
        }

        await _home.DisposeAsync();
    }

    /// <remarks>
    /// Measured: 1000 connects all "succeed" on the client side within about 1 s, but git daemon's accept
    /// queue is 5, so the kernel drops most of them server side; at most the cap get a child process, the
    /// clone gets in at once (about 0.1 s), and the accepted idle ones are ended by the init timeout.
    /// </remarks>
    [Theory]
    [InlineData(200)]
    [InlineData(1000)]
    public async Task Serve_ManyIdleConnections_CappedTimedOutAndACloneStillSucceeds(int connections)
    {
        var repositories = new[] { _home.NewRepository("shop", commits: 2), _home.NewRepository("web"), _home.NewRepository("docs") };
        await _home.ServeAsync([.. repositories.Select(r => (Path.GetFileName(r.Path), r.GitDirectory))]);
        await _home.StartAsync();
        var supervisor = _home.Supervisor;
        var port = supervisor.Status.Port;
        var repo = repositories[0];

        var connected = await OpenIdleAsync(port, connections);
        var childrenDuring = Children();
        var acceptedDuring = ServerSideConnections(port);
        var clone = Path.Combine(repo.Root, "clone");
        var (exitCode, stderr, took) = await RunGitAsync(repo.Root, TimeSpan.FromSeconds(30), "clone", "-q", $"git://127.0.0.1:{port}/shop", clone);

        Assert.True(exitCode == 0, $"clone failed ({exitCode}) after {took} with {connected} idle connections open: {stderr}");
        Assert.Equal(repo.Head(), GitCli.Run(clone, "rev-parse", "HEAD").Trim());
        // The flood must exceed the cap for the test to mean anything; how far beyond depends on the kernel's SYN handling.
        Assert.True(connected > MaxConnections, $"only {connected} of {connections} idle connections opened");
        Assert.InRange(childrenDuring, 1, MaxConnections);
        // The cap, plus the one connection git daemon holds while at the cap (it accepts it, waits 1 s for a child to
        // end, then closes it), plus its accept queue (listen backlog 5: Linux queues backlog + 1 completed handshakes).
        Assert.InRange(acceptedDuring, 1, MaxConnections + 1 + 6);
        // The idle connections are still open on our side, yet the daemon has ended every one it accepted.
        await Poll.UntilAsync(
            "the daemon ended every connection it accepted",
            () => Children() == 0 && ServerSideConnections(port) == 0,
            TimeSpan.FromSeconds(InitTimeoutSeconds + 12),
            TestContext.Current.CancellationToken,
            TimeSpan.FromMilliseconds(100),
            () => $"still {Children()} children and {ServerSideConnections(port)} accepted connections");
        Assert.True(supervisor.Status.Up);
    }

    /// <summary>Established TCP connections on the daemon's side of the port (ss from iproute2).</summary>
    private static int ServerSideConnections(int port)
    {
        var info = new ProcessStartInfo("ss", ["-Htn", "state", "established", $"( sport = :{port} )"]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        process.WaitForExit();
        return lines;
    }

    /// <summary>Live child processes of git daemon: one per accepted connection.</summary>
    private int Children()
    {
        var pid = File.ReadAllText(_home.PidFile).Trim();
        return Directory.GetDirectories("/proc").Count(d => ParentPid(d) == pid);
    }

    private static string? ParentPid(string procDirectory)
    {
        try
        {
            // "pid (comm) state ppid ...": a zombie (exited, not yet reaped by the daemon) holds no connection.
            var stat = File.ReadAllText(procDirectory + "/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[0] == "Z" ? null : fields[1];
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private async Task<int> OpenIdleAsync(int port, int count)
    {
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        var attempts = Enumerable.Range(0, count).Select(async _ =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            // Dropped SYNs are resent after 1 s and 3 s: give a loaded machine time to complete more than the cap.
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await socket.ConnectAsync(endPoint, timeout.Token);
                return socket;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                socket.Dispose();
                return null;
            }
        }).ToList();
        var sockets = await Task.WhenAll(attempts);
        _idle.AddRange(sockets.OfType<Socket>());
        return _idle.Count;
    }

    private static async Task<(int ExitCode, string Stderr, TimeSpan Took)> RunGitAsync(string directory, TimeSpan limit, params string[] args)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = directory, UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, "timed out", stopwatch.Elapsed);
        }

        await stdout;
        return (process.ExitCode, await stderr, stopwatch.Elapsed);
    }
}
