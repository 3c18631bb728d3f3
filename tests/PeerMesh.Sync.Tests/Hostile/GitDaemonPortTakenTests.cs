using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Sync.Serving;
using PeerMesh.TestSupport.Git;
using Xunit;

namespace PeerMesh.Sync.Tests.Hostile;

/// <summary>
/// HOSTILE-INPUTS 40 on <see cref="GitDaemonSupervisor"/>: the daemon dies and another program takes its
/// port before the restart: retried with backoff, status says serving is down and why, back when the port is free.
/// </summary>
public sealed class GitDaemonPortTakenTests : IAsyncLifetime
{
    private readonly TempRepository _repo = TempRepository.Create(commits: 1);
    private GitDaemonSupervisor? _supervisor;

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
    public async Task Supervise_PortTakenBeforeRestart_DownWithReasonBackoffThenServesAgain()
    {
        var state = Path.Combine(_repo.GitDirectory, "peermesh");
        Directory.CreateDirectory(state);
        var options = new GitDaemonOptions
        {
            Listen = IPAddress.Loopback,
            Port = 0,
            MinRestartDelay = TimeSpan.FromMilliseconds(500),
            MaxRestartDelay = TimeSpan.FromSeconds(1),
        };
        _supervisor = new GitDaemonSupervisor(options, _repo.GitDirectory, state, TimeProvider.System, NullLogger<GitDaemonSupervisor>.Instance);
        await _supervisor.StartAsync(TestContext.Current.CancellationToken);
        var port = _supervisor.Status.Port;

        _supervisor.CurrentProcess!.Kill();
        using var squatter = await TakeAsync(port);

        await PollAsync(() => _supervisor.Status is { Up: false, Restarts: >= 2 } && _supervisor.Status.LastError is not null, TimeSpan.FromSeconds(10));
        var down = _supervisor.Status;
        Assert.Equal(port, down.Port);
        Assert.Contains("listen", down.LastError, StringComparison.OrdinalIgnoreCase);
        // Backoff, not a busy loop: about one attempt a second at most.
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        Assert.InRange(_supervisor.Status.Restarts - down.Restarts, 1, 4);

        squatter.Stop();

        await PollAsync(() => _supervisor.Status.Up, TimeSpan.FromSeconds(10));
        Assert.Equal(port, _supervisor.Status.Port);
        Assert.Contains(_repo.Head(), GitCli.Run(_repo.Root, "ls-remote", $"git://127.0.0.1:{port}/"), StringComparison.Ordinal);
    }

    /// <summary>Binds the port as soon as the killed daemon has let go of it.</summary>
    private static async Task<TcpListener> TakeAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            try
            {
                listener.Start();
                return listener;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                listener.Dispose();
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }
        }
    }

    private static async Task PollAsync(Func<bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
