using System.Net;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Netns;
using Xunit;

namespace PeerMesh.EndToEnd.Tests.Netns;

/// <summary>The test bed itself, checked with plain tools (ICMP echo, multicast datagrams, sleep), no PeerMesh.</summary>
public sealed class NetnsTestBedTests
{
    private static readonly TimeSpan s_multicastWait = TimeSpan.FromSeconds(2);
    private static readonly string s_ip = CommandRunner.FindTool("ip");
    private static readonly string s_tc = CommandRunner.FindTool("tc");

    [Fact]
    public async Task CreateAsync_ThreeHosts_EveryHostPingsEveryOther()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(3, ct);

        Assert.Equal(["h1", "h2", "h3"], bed.Hosts.Select(h => h.Name));
        Assert.Equal(["198.18.0.1", "198.18.0.2", "198.18.0.3"], bed.Hosts.Select(h => h.Address.ToString()));
        foreach (var from in bed.Hosts)
        {
            foreach (var to in bed.Hosts.Where(h => h != from))
            {
                var ping = await NetProbe.PingAsync(from, to.Address, 3, TimeSpan.FromMilliseconds(10), ct);
                Assert.Equal(new PingResult(3, 3), ping);
            }
        }
    }

    [Fact]
    public async Task CreateAsync_LineOfThree_NeighboursPingAndMulticastEndsReachNothingOfEachOther()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(3, NetnsTestBedOptions.Line(3), ct);
        var (a, b, c) = (bed.Hosts[0], bed.Hosts[1], bed.Hosts[2]);

        Assert.Equal(["198.18.0.2", "198.18.1.2"], b.Interfaces.Select(n => n.Address.ToString()));
        Assert.Equal(["eth0", "eth1"], b.Interfaces.Select(n => n.Name));
        Assert.Equal("198.18.1.3", c.Address.ToString());
        Assert.Equal(new PingResult(2, 2), await NetProbe.PingAsync(a, b.Address, 2, TimeSpan.FromMilliseconds(10), ct));
        Assert.Equal(new PingResult(2, 2), await NetProbe.PingAsync(c, b.Interfaces[1].Address, 2, TimeSpan.FromMilliseconds(10), ct));
        Assert.Equal(new PingResult(2, 0), await NetProbe.PingAsync(a, c.Address, 2, TimeSpan.FromMilliseconds(10), ct));
        Assert.Equal(new PingResult(2, 0), await NetProbe.PingAsync(c, a.Address, 2, TimeSpan.FromMilliseconds(10), ct));
        Assert.True(await NetProbe.MulticastReachesAsync(a, b, s_multicastWait, ct));
        Assert.False(await NetProbe.MulticastReachesAsync(a, c, s_multicastWait, ct));
    }

    [Fact]
    public async Task CreateAsync_TwoHosts_MulticastCrossesTheBridge()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(2, ct);

        Assert.True(await NetProbe.MulticastReachesAsync(bed.Hosts[0], bed.Hosts[1], s_multicastWait, ct));
        Assert.True(await NetProbe.MulticastReachesAsync(bed.Hosts[1], bed.Hosts[0], s_multicastWait, ct));
    }

    [Fact]
    public async Task CreateAsync_Host_HasOnlyLoAndEth0WithMulticastRoute()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(1, ct);
        var host = bed.Hosts[0];

        var links = await host.RunAsync([s_ip, "-o", "link", "show"], ct);
        var names = links.EnsureSuccess("ip link").Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':')[1].Trim().Split('@')[0])
            .ToList();
        Assert.Equal(["lo", "eth0"], names);
        var routes = (await host.RunAsync([s_ip, "route", "show"], ct)).EnsureSuccess("ip route").Stdout;
        Assert.Contains("224.0.0.0/4 dev eth0", routes, StringComparison.Ordinal);
        Assert.Contains("198.18.0.0/24 dev eth0", routes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LinkDownAsync_Host_StopsPingAndMulticastUntilLinkUp()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(2, ct);
        var (a, b) = (bed.Hosts[0], bed.Hosts[1]);

        await bed.LinkDownAsync(b, ct);
        Assert.Equal(0, (await NetProbe.PingAsync(a, b.Address, 5, TimeSpan.FromMilliseconds(20), ct)).Received);
        Assert.False(await NetProbe.MulticastReachesAsync(a, b, s_multicastWait, ct));

        await bed.LinkUpAsync(b, ct);
        Assert.Equal(new PingResult(5, 5), await NetProbe.PingAsync(a, b.Address, 5, TimeSpan.FromMilliseconds(20), ct));
        Assert.True(await NetProbe.MulticastReachesAsync(a, b, s_multicastWait, ct));
    }

    [Fact]
    public async Task PartitionAsync_TwoGroups_BlocksAcrossGroupsNotWithinUntilHealed()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(4, ct);
        var h = bed.Hosts;

        await bed.PartitionAsync([h[0], h[1]], [h[2], h[3]], ct);

        Assert.Equal(3, (await NetProbe.PingAsync(h[0], h[1].Address, 3, TimeSpan.FromMilliseconds(10), ct)).Received);
        Assert.Equal(3, (await NetProbe.PingAsync(h[2], h[3].Address, 3, TimeSpan.FromMilliseconds(10), ct)).Received);
        Assert.Equal(0, (await NetProbe.PingAsync(h[0], h[2].Address, 3, TimeSpan.FromMilliseconds(10), ct)).Received);
        Assert.Equal(0, (await NetProbe.PingAsync(h[3], h[1].Address, 3, TimeSpan.FromMilliseconds(10), ct)).Received);
        Assert.True(await NetProbe.MulticastReachesAsync(h[2], h[3], s_multicastWait, ct));
        Assert.False(await NetProbe.MulticastReachesAsync(h[0], h[3], s_multicastWait, ct));

        await bed.HealAsync(ct);

        Assert.Equal(3, (await NetProbe.PingAsync(h[0], h[2].Address, 3, TimeSpan.FromMilliseconds(10), ct)).Received);
        Assert.True(await NetProbe.MulticastReachesAsync(h[0], h[3], s_multicastWait, ct));
        var bridges = (await CommandRunner.RunAsync(s_ip, ["-n", bed.SwitchNamespace, "-o", "link", "show", "type", "bridge"], ct)).Stdout;
        Assert.Single(bridges.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task NetemAsync_Loss25_DropsWhatTheHostSendsUntilCleared()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(2, ct);
        var (a, b) = (bed.Hosts[0], bed.Hosts[1]);
        // Resolve ARP first: a lost ARP exchange is retried only after a second and would fail the whole run.
        Assert.Equal(new PingResult(20, 20), await NetProbe.PingAsync(a, b.Address, 20, TimeSpan.FromMilliseconds(5), ct));

        await bed.NetemAsync(a, 25, TimeSpan.Zero, ct);
        var lossy = await NetProbe.PingAsync(a, b.Address, 200, TimeSpan.FromMilliseconds(5), ct);

        // Requests drop 25%, replies pass: about 25% of round trips fail; the bounds are far outside chance.
        Assert.InRange(lossy.LossPercent, 10, 42);

        await bed.ClearNetemAsync(a, ct);
        Assert.Equal(new PingResult(50, 50), await NetProbe.PingAsync(a, b.Address, 50, TimeSpan.FromMilliseconds(5), ct));
    }

    [Fact]
    public async Task NetemAsync_Loss25BothDirections_DropsRequestsAndReplies()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(2, ct);
        var (a, b) = (bed.Hosts[0], bed.Hosts[1]);
        Assert.Equal(new PingResult(20, 20), await NetProbe.PingAsync(a, b.Address, 20, TimeSpan.FromMilliseconds(5), ct));

        await bed.NetemAsync(a, 25, TimeSpan.Zero, bothDirections: true, ct);
        var lossy = await NetProbe.PingAsync(a, b.Address, 200, TimeSpan.FromMilliseconds(5), ct);

        // 1 - 0.75 * 0.75 = about 44% of round trips fail.
        Assert.InRange(lossy.LossPercent, 28, 62);
    }

    [Fact]
    public async Task NetemAsync_DelayWithLoss_AppliedWithNetemOrRefusedLeavingTheLinkAsItWas()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(2, ct);
        var (a, b) = (bed.Hosts[0], bed.Hosts[1]);

        if (await bed.SupportsDelayAsync(ct))
        {
            await bed.NetemAsync(a, 0, TimeSpan.FromMilliseconds(20), ct);
            Assert.Equal(new PingResult(5, 5), await NetProbe.PingAsync(a, b.Address, 5, TimeSpan.FromMilliseconds(10), ct));
            var qdiscs = (await CommandRunner.RunAsync(s_tc, ["-n", a.Namespace, "qdisc", "show", "dev", "eth0"], ct)).Stdout;
            Assert.Contains("netem", qdiscs, StringComparison.Ordinal);
        }
        else
        {
            var error = await Assert.ThrowsAsync<NotSupportedException>(
                () => bed.NetemAsync(a, 30, TimeSpan.FromMilliseconds(20), ct));
            Assert.Contains("netem", error.Message, StringComparison.Ordinal);
            Assert.Equal(new PingResult(30, 30), await NetProbe.PingAsync(a, b.Address, 30, TimeSpan.FromMilliseconds(5), ct));
        }
    }

    [Fact]
    public async Task BlockMulticastAsync_Host_StopsMulticastButNotUnicast()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(3, ct);
        var h = bed.Hosts;

        await bed.BlockMulticastAsync(h[2], ct);

        var link = (await h[2].RunAsync([s_ip, "-o", "link", "show", "dev", "eth0"], ct)).Stdout;
        Assert.DoesNotContain("MULTICAST", link, StringComparison.Ordinal);
        Assert.Equal(3, (await NetProbe.PingAsync(h[0], h[2].Address, 3, TimeSpan.FromMilliseconds(10), ct)).Received);
        Assert.False(await NetProbe.MulticastReachesAsync(h[0], h[2], s_multicastWait, ct));
        Assert.False(await NetProbe.MulticastReachesAsync(h[2], h[0], s_multicastWait, ct));
        Assert.True(await NetProbe.MulticastReachesAsync(h[0], h[1], s_multicastWait, ct));

        await bed.UnblockMulticastAsync(h[2], ct);
        Assert.True(await NetProbe.MulticastReachesAsync(h[0], h[2], s_multicastWait, ct));
        Assert.True(await NetProbe.MulticastReachesAsync(h[2], h[0], s_multicastWait, ct));
    }

    [Fact]
    public async Task BlockMulticastAsync_Silent_HostLooksFineButNothingArrives()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(2, ct);
        var h = bed.Hosts;

        await bed.BlockMulticastAsync(h[1], silent: true, ct);

        var link = (await h[1].RunAsync([s_ip, "-o", "link", "show", "dev", "eth0"], ct)).Stdout;
        Assert.Contains("MULTICAST", link, StringComparison.Ordinal);
        Assert.Contains("224.0.0.0/4", (await h[1].RunAsync([s_ip, "route"], ct)).Stdout, StringComparison.Ordinal);
        Assert.False(await NetProbe.MulticastReachesAsync(h[0], h[1], s_multicastWait, ct));
        Assert.False(await NetProbe.MulticastReachesAsync(h[1], h[0], s_multicastWait, ct));
    }

    [Fact]
    public async Task ChangeAddressAsync_Host_ReachableAtTheNewAddressOnly()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(2, ct);
        var (a, b) = (bed.Hosts[0], bed.Hosts[1]);
        var old = b.Address;

        var fresh = await bed.ChangeAddressAsync(b, ct);

        Assert.Equal(IPAddress.Parse("198.18.0.101"), fresh);
        Assert.Equal(fresh, b.Address);
        Assert.Equal(3, (await NetProbe.PingAsync(a, fresh, 3, TimeSpan.FromMilliseconds(10), ct)).Received);
        Assert.Equal(0, (await NetProbe.PingAsync(a, old, 3, TimeSpan.FromMilliseconds(10), ct)).Received);
        Assert.True(await NetProbe.MulticastReachesAsync(a, b, s_multicastWait, ct));
    }

    [Fact]
    public async Task RestartWithNewAddressAsync_RunningProcess_StoppedAndStartedAgainWithTheFreshAddress()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(2, ct);
        var host = bed.Hosts[1];
        IReadOnlyList<string> Argv(IPAddress address) => ["sh", "-c", $"echo listening on {address}; exec sleep 300"];
        var first = host.StartProcess(Argv(host.Address), "server");

        var second = await bed.RestartWithNewAddressAsync(host, first, Argv, ct);

        Assert.Equal(143, first.ExitCode);
        Assert.Equal("198.18.0.101", host.Address.ToString());
        await Poll.UntilAsync(
            "the restarted server listens on the new address",
            () => second.ReadStdout() == "listening on 198.18.0.101\n",
            TimeSpan.FromSeconds(10),
            ct,
            describe: () => second.ReadStdout());
        Assert.Equal("h2-server", second.Name);
        Assert.Null(second.ExitCode);
        Assert.Equal(3, (await NetProbe.PingAsync(bed.Hosts[0], host.Address, 3, TimeSpan.FromMilliseconds(10), ct)).Received);
    }

    [Fact]
    public async Task StartProcess_OutputAndKill9_LogsCapturedAndExitCode137()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(1, ct);
        var host = bed.Hosts[0];

        var process = host.StartProcess(["sh", "-c", "echo out-line; echo err-line >&2; exec sleep 300"], "talker");
        await Poll.UntilAsync(
            "both lines logged",
            () => process.ReadStdout() == "out-line\n" && process.ReadStderr() == "err-line\n",
            TimeSpan.FromSeconds(10),
            ct,
            describe: () => $"stdout '{process.ReadStdout()}', stderr '{process.ReadStderr()}'");
        Assert.Null(process.ExitCode);

        // The lines can be read before sh has reached its `exec sleep`: wait for the exec, then see it in the namespace.
        await Poll.UntilAsync(
            "the process listed in its namespace as sleep (after sh's exec)",
            async c => (await host.ListProcessesAsync(c)).Any(p => p.Pid == process.Id && p.Comm == "sleep"),
            TimeSpan.FromSeconds(10),
            ct);

        await process.KillAsync(ct);

        Assert.Equal(137, process.ExitCode);
        Assert.StartsWith(host.LogDirectory, process.StdoutPath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_ProcessHandlingTerm_ExitsGracefully()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(1, ct);
        var process = bed.Hosts[0].StartProcess(
            ["sh", "-c", "trap 'echo bye; exit 7' TERM; echo ready; while true; do sleep 0.05; done"], "graceful");
        await Poll.UntilAsync("the process is ready", () => process.ReadStdout().Contains("ready", StringComparison.Ordinal), TimeSpan.FromSeconds(10), ct);

        var exit = await process.StopAsync(TimeSpan.FromSeconds(10), ct);

        Assert.Equal(7, exit);
        Assert.Equal("ready\nbye\n", process.ReadStdout());
    }

    [Fact]
    public async Task RunAsync_InHostNamespace_SeesOwnAddressAndHonoursWorkdirAndEnvironment()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(2, ct);
        var host = bed.Hosts[1];

        var result = await host.RunAsync(
            ["sh", "-c", "ip -4 -o addr show dev eth0; pwd; echo $PM_PROBE"],
            host.WorkDirectory,
            new Dictionary<string, string?> { ["PM_PROBE"] = "probe-value" },
            TimeSpan.FromSeconds(10),
            ct);

        var lines = result.EnsureSuccess("run").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("inet 198.18.0.2/24", lines[0], StringComparison.Ordinal);
        Assert.Equal([host.WorkDirectory, "probe-value"], lines[1..]);
    }

    [Fact]
    public async Task RunAsync_Overrun_KilledAndTimeoutThrown()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(1, ct);

        await Assert.ThrowsAsync<TimeoutException>(
            () => bed.Hosts[0].RunAsync(["sleep", "300"], null, null, TimeSpan.FromMilliseconds(300), ct));

        Assert.Empty(await bed.Hosts[0].ListProcessesAsync(ct));
    }

    [Fact]
    public async Task KillProcessesNamedAsync_GitDaemonStyleChild_KillsOnlyMatching()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(1, ct);
        var host = bed.Hosts[0];
        // A parent that keeps a renamed child, as a node keeps its git daemon: bash's exec -a sets argv[0].
        var parent = host.StartProcess(["bash", "-c", "(exec -a git-daemon sleep 300) & echo started; wait"], "parent");
        await Poll.UntilAsync(
            "the child started", async c => (await host.ListProcessesAsync(c)).Any(p => p.IsNamed("git-daemon")), TimeSpan.FromSeconds(10), ct);

        var killed = await host.KillProcessesNamedAsync("git-daemon", ct);

        Assert.Equal(1, killed);
        await Poll.UntilAsync(
            "the child is gone", async c => !(await host.ListProcessesAsync(c)).Any(p => p.IsNamed("git-daemon")), TimeSpan.FromSeconds(10), ct);
        Assert.Equal(0, await parent.WaitForExitAsync(ct));
    }

    [Fact]
    public async Task DisposeAsync_WithRunningProcessesAndOrphans_LeavesNoNamespacesProcessesOrFolders()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        var bed = await NetnsTestBed.CreateAsync(3, ct);
        var process = bed.Hosts[0].StartProcess(["sleep", "300"], "sleeper");
        // The orphan's parent exits at once, so only the namespace sweep can find it.
        await bed.Hosts[1].RunAsync(["sh", "-c", "sleep 300 >/dev/null 2>&1 &"], ct);
        var inside = (await bed.Hosts[1].ListProcessesAsync(ct)).Select(p => p.Pid).ToList();
        Assert.Single(inside);
        await bed.NetemAsync(bed.Hosts[2], 10, TimeSpan.Zero, ct);
        await bed.PartitionAsync([bed.Hosts[0]], [bed.Hosts[1], bed.Hosts[2]], ct);

        await bed.DisposeAsync();

        var left = (await CommandRunner.RunAsync(s_ip, ["netns", "list"], ct)).Stdout;
        Assert.DoesNotContain(bed.RunId, left, StringComparison.Ordinal);
        Assert.True(process.HasExited);
        Assert.All(inside.Append(process.Id), pid => Assert.False(IsRunning(pid), $"pid {pid} still runs"));
        Assert.False(Directory.Exists(bed.WorkRoot));
    }

    [Fact]
    public async Task CreateAsync_LeftoverOfDeadRun_IsSwept()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        var deadPid = FindUnusedPid();
        var leftover = $"{NetnsTestBed.Prefix}-{deadPid}-dead-h1";
        var leftoverDir = Path.Combine(Path.GetTempPath(), $"{NetnsTestBed.Prefix}-{deadPid}-dead");
        // Another test process running beside this one may sweep the fake leftover the moment it appears; retry.
        for (var attempt = 1; !(await CommandRunner.RunAsync(s_ip, ["netns", "add", leftover], ct)).Succeeded; attempt++)
        {
            Assert.True(attempt < 5, "could not create the fake leftover namespace");
        }

        Directory.CreateDirectory(leftoverDir);
        try
        {
            // A process the dead run left running inside its namespace.
            await CommandRunner.RunAsync(s_ip, ["netns", "exec", leftover, "sh", "-c", "sleep 300 >/dev/null 2>&1 &"], ct);
            var stray = (await CommandRunner.RunAsync(s_ip, ["netns", "pids", leftover], ct)).Stdout.Trim();

            await using var bed = await NetnsTestBed.CreateAsync(1, ct);

            var left = (await CommandRunner.RunAsync(s_ip, ["netns", "list"], ct)).Stdout;
            Assert.DoesNotContain(leftover, left, StringComparison.Ordinal);
            // Empty only when a concurrent sweeper was faster than us.
            Assert.True(stray.Length == 0 || !IsRunning(int.Parse(stray)), $"stray pid {stray} still runs");
            Assert.Contains(bed.RunId + "-h1", left, StringComparison.Ordinal);
            Assert.False(Directory.Exists(leftoverDir));
        }
        finally
        {
            await CommandRunner.RunAsync(s_ip, ["netns", "del", leftover], CancellationToken.None);
            if (Directory.Exists(leftoverDir))
            {
                Directory.Delete(leftoverDir, recursive: true);
            }
        }
    }

    [Fact]
    public async Task CloneForAsync_TwoSourcesAndAHost_SameRootCommitAndOwnCloneWithoutOrigin()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var bed = await NetnsTestBed.CreateAsync(1, ct);

        var source = await TestRepository.CreateAsync(Path.Combine(bed.WorkRoot, "source"), ct);
        var again = await TestRepository.CreateAsync(Path.Combine(bed.WorkRoot, "source2"), ct);
        var clone = await source.CloneForAsync(bed.Hosts[0], ct);
        var commit = await TestRepository.CommitFileAsync(clone, "a.txt", "a\n", "Add a", ct);

        Assert.Equal(source.RootCommit, again.RootCommit);
        Assert.Equal(Path.Combine(bed.Hosts[0].WorkDirectory, "repo"), clone);
        Assert.Equal(string.Empty, await TestRepository.GitAsync(clone, ct, "remote"));
        Assert.Equal(source.RootCommit, await TestRepository.GitAsync(clone, ct, "rev-parse", "HEAD~1"));
        Assert.Equal(commit, await TestRepository.GitAsync(clone, ct, "rev-parse", "main"));
    }


    private static bool IsRunning(int pid)
    {
        // A zombie (state Z) is dead; it only waits for the container's init to reap it.
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static int FindUnusedPid()
    {
        for (var pid = 3_999_000; ; pid++)
        {
            if (!Directory.Exists($"/proc/{pid}"))
            {
                return pid;
            }
        }
    }
}
