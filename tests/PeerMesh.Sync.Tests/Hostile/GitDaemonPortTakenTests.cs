using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Sync.Serving;
using PeerMesh.Sync.Tests.Serving;
using PeerMesh.TestSupport.Git;
using Xunit;

namespace PeerMesh.Sync.Tests.Hostile;

/// <summary>
/// HOSTILE-INPUTS 40 on <see cref="GitDaemonSupervisor"/>: the daemon dies and another program takes its port before
/// the restart: retried with a backoff that doubles, status says serving is down, why and when it tries next, and
/// it serves again once the port is free. The clock is fake: each try happens when the test moves it, never before.
/// </summary>
public sealed class GitDaemonPortTakenTests : IAsyncLifetime
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new();
    private readonly ServingHome _home;
    [SuppressMessage("Usage", "CA2213:Disposable fields should be disposed", Justification = "Made by the serving home, which disposes the repositories it made.")]
    private readonly TempRepository _repo;

    public GitDaemonPortTakenTests()
    {
        _home = new ServingHome(time: _time);
        _repo = _home.NewRepository("shop");
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _home.DisposeAsync();

    [Fact]
    public async Task Supervise_PortTakenBeforeRestart_DownWithReasonBackoffDoublesThenServesAgain()
    {
        var time = _time;
        await _home.ServeAsync(("shop", _repo.GitDirectory));
        await _home.StartAsync();
        var port = _home.Port;

        using (var daemon = Process.GetProcessById(_home.Supervisor.CurrentProcess!.DaemonId!.Value))
        {
            daemon.Kill();
        }

        // Down is said once the daemon and its session are gone: the port is free for the squatter at once.
        var down = await WaitForAsync(s => !s.Up);
        Assert.Equal(new ServingStatus(false, port, 0, "killed by signal 9", time.GetUtcNow() + TimeSpan.FromSeconds(1)), down);
        using var squatter = new TcpListener(IPAddress.Loopback, port);
        squatter.Start();

        var previous = down;
        foreach (var (attempt, nextDelay) in new[] { (1, 2), (2, 4), (3, 8) })
        {
            time.Advance(previous.NextTry!.Value - time.GetUtcNow());
            var failed = await WaitForAsync(s => s.Restarts == attempt && s.NextTry is not null);
            Assert.False(failed.Up);
            Assert.Equal(port, failed.Port);
            Assert.Contains("listen", failed.LastError, StringComparison.OrdinalIgnoreCase);
            // Backoff, not a busy loop: the next try only after twice the last delay.
            Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(nextDelay), failed.NextTry);
            previous = failed;
        }

        squatter.Stop();
        time.Advance(previous.NextTry!.Value - time.GetUtcNow());

        var up = await WaitForAsync(s => s.Up);
        Assert.Equal(port, up.Port);
        Assert.Equal(4, up.Restarts);
        Assert.Contains(_repo.Head(), GitCli.Run(_repo.Root, "ls-remote", $"git://127.0.0.1:{port}/shop"), StringComparison.Ordinal);
    }

    private Task<ServingStatus> WaitForAsync(Func<ServingStatus, bool> condition) =>
        _home.Supervisor.WaitForStatusAsync(condition, Token).WaitAsync(s_deadline, Token);
}
