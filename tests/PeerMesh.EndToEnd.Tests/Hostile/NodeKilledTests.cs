using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.EndToEnd.Tests.Hostile;

/// <summary>
/// HOSTILE 54 with the real executable: a node killed with -9, or by the OOM killer, leaves nothing of its git daemon
/// running: not the daemon, not a clone in progress (it is cut), and the port is free at once.
/// </summary>
public sealed class NodeKilledTests : IDisposable
{
    private static readonly string[] s_loopback = ["--listen", "127.0.0.1", "--git-port", "0", "--gossip-port", "0", "--no-mdns"];

    /// <summary>The guard ends the session in microseconds; a deadline for a machine with every core busy.</summary>
    private static readonly TimeSpan s_gone = TimeSpan.FromSeconds(10);

    private readonly TempRepository _repo = TempRepository.Create(commits: 3);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        DaemonProcesses.KillServing(_repo.GitDirectory);
        _repo.Dispose();
    }

    [Fact]
    public async Task Kill9_CloneInProgress_DaemonAndConnectionGonePortFree()
    {
        await using var node = NodeProcess.Start(_repo.Path, s_loopback);
        var port = await ServingAsync(node);
        using var clone = await UploadPackConnection.OpenAsync(port, Token);
        var processes = DaemonProcesses.ServingTree(_repo.GitDirectory);

        node.KillHard();

        await AssertNothingLeftAsync(node, processes, port, clone);
    }

    /// <summary>
    /// A real OOM kill where the kernel allows a memory cgroup here (root, cgroup v1 or v2): the node alone is moved
    /// into a cgroup whose limit is far below what it needs, with oom_score_adj 1000, and the kernel's OOM killer ends
    /// it (SIGKILL) at its next allocations. Without a writable memory controller it is simulated: oom_score_adj 1000
    /// and the SIGKILL the OOM killer sends.
    /// </summary>
    [Fact]
    public async Task OomKilled_CloneInProgress_DaemonAndConnectionGonePortFree()
    {
        await using var node = NodeProcess.Start(_repo.Path, s_loopback);
        var port = await ServingAsync(node);
        using var clone = await UploadPackConnection.OpenAsync(port, Token);
        var processes = DaemonProcesses.ServingTree(_repo.GitDirectory);
        await File.WriteAllTextAsync($"/proc/{node.Process.Id}/oom_score_adj", "1000", Token);

        using var cgroup = MemoryCgroup.TryCreate();
        if (cgroup is null)
        {
            TestContext.Current.SendDiagnosticMessage("no writable memory cgroup: OOM kill simulated with SIGKILL");
            node.KillHard();
        }
        else
        {
            cgroup.Confine(node.Process.Id, limitBytes: 1 << 20);
            // The node allocates at every status request; the kernel kills it at one of them.
            await Poll.UntilAsync(
                "the OOM killer ended the node",
                async ct =>
                {
                    if (node.Process.HasExited)
                    {
                        return true;
                    }

                    await PeerMeshCli.StatusAsync(_repo.Path, ct);
                    return false;
                },
                TimeSpan.FromSeconds(60),
                Token,
                TimeSpan.Zero);

            Assert.Equal(1, cgroup.OomKills());
        }

        await AssertNothingLeftAsync(node, processes, port, clone);
    }

    private async Task<int> ServingAsync(NodeProcess node)
    {
        JsonNode status = await node.WaitUntilUpAsync(Token);
        using var daemon = Assert.Single(DaemonProcesses.Serving(_repo.GitDirectory));
        return (int)status["serving"]!["port"]!;
    }

    private static async Task AssertNothingLeftAsync(NodeProcess node, List<int> processes, int port, UploadPackConnection clone)
    {
        // A TimeoutException here: the node did not die.
        await node.Process.WaitForExitAsync(Token).WaitAsync(TimeSpan.FromSeconds(30), Token);
        Assert.Equal(137, node.Process.ExitCode);
        Assert.True(processes.Count >= 3, $"daemon, connection and upload-pack (and the guard) expected: {DaemonProcesses.Describe(processes)}");

        var start = TimeProvider.System.GetTimestamp();
        var left = await DaemonProcesses.WaitUntilGoneAsync(processes, s_gone, Token);
        var took = TimeProvider.System.GetElapsedTime(start);

        Assert.True(left.Count == 0, $"still running {took} after the node died: {DaemonProcesses.Describe(left)}");
        TestContext.Current.SendDiagnosticMessage($"daemon session gone {took.TotalMilliseconds:0} ms after the node's exit was seen");
        Assert.True(await clone.IsCutAsync(s_gone, Token), "the clone in progress was not cut");
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(async () => await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), Token));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    /// <summary>A memory cgroup of its own (v2, or v1's memory controller), removed on dispose.</summary>
    private sealed class MemoryCgroup : IDisposable
    {
        private readonly string _path;
        private readonly bool _v2;

        private MemoryCgroup(string path, bool v2)
        {
            _path = path;
            _v2 = v2;
        }

        public static MemoryCgroup? TryCreate()
        {
            var name = $"peermesh-oom-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40];
            var v2 = File.Exists("/sys/fs/cgroup/cgroup.controllers") && File.ReadAllText("/sys/fs/cgroup/cgroup.controllers").Contains("memory", StringComparison.Ordinal);
            var root = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory";
            if (!v2 && !File.Exists(Path.Combine(root, "memory.limit_in_bytes")))
            {
                return null;
            }

            try
            {
                var path = Path.Combine(root, name);
                Directory.CreateDirectory(path);
                return new MemoryCgroup(path, v2);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>Moves the process (not its children) in, then sets the limit; memory charged before the move stays outside.</summary>
        public void Confine(int pid, long limitBytes)
        {
            File.WriteAllText(Path.Combine(_path, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));
            if (_v2)
            {
                File.WriteAllText(Path.Combine(_path, "memory.swap.max"), "0");
            }

            File.WriteAllText(Path.Combine(_path, _v2 ? "memory.max" : "memory.limit_in_bytes"), limitBytes.ToString(CultureInfo.InvariantCulture));
        }

        public int OomKills()
        {
            var file = Path.Combine(_path, _v2 ? "memory.events" : "memory.oom_control");
            var line = File.ReadAllLines(file).Single(l => l.StartsWith("oom_kill ", StringComparison.Ordinal));
            return int.Parse(line["oom_kill ".Length..], CultureInfo.InvariantCulture);
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(_path);
            }
            catch (IOException)
            {
            }
        }
    }
}
