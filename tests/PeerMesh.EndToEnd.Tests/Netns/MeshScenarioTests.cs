using PeerMesh.TestSupport.Netns;
using Xunit;

namespace PeerMesh.EndToEnd.Tests.Netns;

/// <summary>
/// Issue 6's scenarios: real `peermesh up` processes on hosts in network namespaces, with faults injected. They
/// run by default wherever network namespaces can be made (root); PEERMESH_SCENARIOS=0 skips them for a quick run.
/// Every wait polls `status --json` or the clones to a deadline; a timeout reports every node's last status.
/// Run only them: dotnet test tests/PeerMesh.EndToEnd.Tests --filter Category=Scenario
/// </summary>
[Trait("Category", "Scenario")]
public sealed class MeshScenarioTests
{
    // Deadlines are several times the defaults (docs/ARCHITECTURE.md, timers) (mDNS announce 2 x 1 s, probe 1 s, suspicion >= 4 s,
    // refs change < 100 ms + one round trip, push-pull 30 s), leaving room for a loaded 2-core CI machine.
    private static readonly TimeSpan s_discovery = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_propagation = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan s_detection = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_rejoin = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_heal = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan s_lossy = TimeSpan.FromSeconds(120);

    // Issue 12 item 14: a commit made right after an address change arrives within 2 s (the goal, printed as measured).
    // The bound asserted is looser, so that a loaded 2-core machine cannot fail it (its spawns of git and dotnet are
    // most of the time), yet under the 10 s connect timeout that a fetch stuck at the old address waits out.
    private static readonly TimeSpan s_moveGoal = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_moveBound = TimeSpan.FromSeconds(8);

    // PEERMESH_COMMAND="ARGV PREFIX" runs another peermesh (e.g. a published binary); default `dotnet peermesh.dll`.
    private static readonly IReadOnlyList<string>? s_command =
        Environment.GetEnvironmentVariable("PEERMESH_COMMAND")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } command
            ? command
            : null;

    [Fact]
    public async Task Discovery_MdnsOnlyFiveHostsOnEveryAddress_EveryNodeListsEveryOther()
    {
        var ct = await SkipUnlessScenariosAsync();
        await using var mesh = await NetnsMesh.CreateAsync(5, s_command, ct);

        // As by default: no address advertised, each one proven to every peer by a signed challenge.
        await mesh.StartAllAsync(_ => new PeerMeshNodeOptions { EveryAddress = true }, ct);

        await mesh.WaitUntilAsync(
            "every node lists every other as alive, found by mDNS",
            c => NetnsMesh.AllSeeEachOtherAsync(mesh.Nodes, mesh.Nodes, p => p.IsAlive && p.WasFoundBy("mdns"), c),
            s_discovery,
            ct);
        foreach (var node in mesh.Nodes)
        {
            var status = await node.StatusAsync(ct);
            Assert.Equal(node.Id, status.Node.Id);
            Assert.Equal(4, status.Peers.Count);
            Assert.Contains(status.Repos, r => r.Id.Length > 0);
            Assert.All(status.Peers, p => Assert.StartsWith(mesh.Nodes.Single(n => n.Id == p.Id).Host.Address + ":", p.Address, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Propagation_CommitsOnThreeHostsAtOnce_ArriveEverywhereAndLocalStateUntouched()
    {
        var ct = await SkipUnlessScenariosAsync();
        await using var mesh = await NetnsMesh.CreateAsync(4, s_command, ct);
        await mesh.StartAllAsync(ct);
        await mesh.WaitUntilAsync("all alive", mesh.AllAliveAsync, s_discovery, ct);
        var authors = mesh.Nodes.Take(3).ToList();

        var commits = await Task.WhenAll(authors.Select(a => a.CommitAsync("concurrent", ct)));
        var before = await Task.WhenAll(mesh.Nodes.Select(n => n.LocalStateAsync(ct)));

        for (var i = 0; i < authors.Count; i++)
        {
            var (author, commit) = (authors[i], commits[i]);
            var receivers = mesh.Nodes.Where(n => n != author).ToList();
            await mesh.WaitUntilAsync(
                $"{author.Name}'s commit {commit} in a remote-tracking ref on every other node",
                c => NetnsMesh.ArrivedAsync(receivers, [commit], c),
                s_propagation,
                ct);
        }

        var after = await Task.WhenAll(mesh.Nodes.Select(n => n.LocalStateAsync(ct)));
        Assert.Equal(before, after);
        foreach (var receiver in mesh.Nodes)
        {
            var status = await receiver.StatusAsync(ct);
            foreach (var author in authors.Where(a => a != receiver))
            {
                var peer = status.Peer(author.Id!);
                Assert.NotNull(peer);
                var remote = Assert.Single(peer.Remotes ?? []);
                Assert.True(remote.LastFetch?.Ok, $"{receiver.Name}'s last fetch from {author.Name}: {remote.LastFetch?.Error}");
            }
        }
    }

    [Fact]
    public async Task Crash_Kill9OneNode_OthersMarkItNotAliveKeepItsRemoteAndSync_RestartRejoinsAndCatchesUp()
    {
        var ct = await SkipUnlessScenariosAsync();
        await using var mesh = await NetnsMesh.CreateAsync(4, s_command, ct);
        await mesh.StartAllAsync(ct);
        await mesh.WaitUntilAsync("all alive", mesh.AllAliveAsync, s_discovery, ct);
        var victim = mesh.Nodes[3];
        var survivors = mesh.Nodes.Take(3).ToList();
        var victimCommit = await victim.CommitAsync("before-crash", ct);
        await mesh.WaitUntilAsync(
            "victim's commit everywhere", c => NetnsMesh.ArrivedAsync(survivors, [victimCommit], c), s_propagation, ct);
        var remotesBefore = await Task.WhenAll(survivors.Select(s => s.RemotesAsync(ct)));

        await victim.KillAsync(ct);

        await mesh.WaitUntilAsync(
            $"survivors mark {victim.Name} not alive",
            c => NetnsMesh.AllSeeEachOtherAsync(survivors, [victim], p => !p.IsAlive, c),
            s_detection,
            ct);
        for (var i = 0; i < survivors.Count; i++)
        {
            var peer = (await survivors[i].StatusAsync(ct)).Peer(victim.Id!);
            Assert.NotNull(peer);
            Assert.NotEmpty(peer.Remotes ?? []);
            Assert.Equal(remotesBefore[i], await survivors[i].RemotesAsync(ct));
            Assert.True(await survivors[i].HasRemoteRefAtAsync(victimCommit, ct));
        }

        var duringCrash = await survivors[0].CommitAsync("during-crash", ct);
        await mesh.WaitUntilAsync(
            "survivors keep syncing", c => NetnsMesh.ArrivedAsync(survivors.Skip(1), [duringCrash], c), s_propagation, ct);

        await victim.RestartAsync(NetnsMesh.ReadyTimeout, ct);

        await mesh.WaitUntilAsync("restarted node rejoins: all alive", mesh.AllAliveAsync, s_rejoin, ct);
        await mesh.WaitUntilAsync(
            "restarted node catches up", c => NetnsMesh.ArrivedAsync([victim], [duringCrash], c), s_rejoin, ct);
    }

    [Fact]
    public async Task Partition_TwoAndThreeWithCommitsOnBothSides_EverythingConvergesAfterHeal()
    {
        var ct = await SkipUnlessScenariosAsync();
        await using var mesh = await NetnsMesh.CreateAsync(5, s_command, ct);
        await mesh.StartAllAsync(ct);
        await mesh.WaitUntilAsync("all alive", mesh.AllAliveAsync, s_discovery, ct);
        var left = mesh.Nodes.Take(2).ToList();
        var right = mesh.Nodes.Skip(2).ToList();

        await mesh.Bed.PartitionAsync(left.Select(n => n.Host).ToList(), right.Select(n => n.Host).ToList(), ct);
        var leftCommit = await left[0].CommitAsync("left-side", ct);
        var rightCommit = await right[0].CommitAsync("right-side", ct);
        await mesh.WaitUntilAsync(
            "each side syncs within itself",
            async c => await NetnsMesh.ArrivedAsync(left.Skip(1), [leftCommit], c)
                && await NetnsMesh.ArrivedAsync(right.Skip(1), [rightCommit], c),
            s_propagation,
            ct);
        Assert.False(await right[1].HasRemoteRefAtAsync(leftCommit, ct));
        Assert.False(await left[1].HasRemoteRefAtAsync(rightCommit, ct));

        await mesh.Bed.HealAsync(ct);

        await mesh.WaitUntilAsync(
            "after heal: all alive and every commit everywhere",
            async c => await mesh.AllAliveAsync(c)
                && await NetnsMesh.ArrivedAsync(right, [leftCommit], c)
                && await NetnsMesh.ArrivedAsync(left, [rightCommit], c),
            s_heal,
            ct);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(25)]
    public async Task PacketLoss_OnEveryLink_DiscoveryAndPropagationComplete(double lossPercent)
    {
        var ct = await SkipUnlessScenariosAsync();
        await using var mesh = await NetnsMesh.CreateAsync(5, s_command, ct);
        foreach (var host in mesh.Bed.Hosts)
        {
            await mesh.Bed.NetemAsync(host, lossPercent, TimeSpan.Zero, ct);
        }

        var falselyDead = new List<string>();
        await mesh.StartAllAsync(ct);
        await mesh.WaitUntilAsync(
            $"discovery at {lossPercent}% loss",
            async c => await NoteDeadAsync(mesh, falselyDead, c) && await mesh.AllAliveAsync(c),
            s_lossy,
            ct);
        var commits = await Task.WhenAll(mesh.Nodes.Take(2).Select(n => n.CommitAsync("lossy", ct)));
        await mesh.WaitUntilAsync(
            $"propagation at {lossPercent}% loss",
            async c => await NoteDeadAsync(mesh, falselyDead, c)
                && await NetnsMesh.ArrivedAsync(mesh.Nodes.Skip(2), commits, c)
                && await NetnsMesh.ArrivedAsync([mesh.Nodes[0]], [commits[1]], c)
                && await NetnsMesh.ArrivedAsync([mesh.Nodes[1]], [commits[0]], c),
            s_lossy,
            ct);

        if (lossPercent <= 10)
        {
            Assert.Empty(falselyDead);
        }
    }

    [Fact]
    public async Task GitDaemonKilled_OnOneHost_RestartedByItsNodeAndPeersFetchesRecover()
    {
        var ct = await SkipUnlessScenariosAsync();
        await using var mesh = await NetnsMesh.CreateAsync(3, s_command, ct);
        await mesh.StartAllAsync(ct);
        await mesh.WaitUntilAsync("all alive", mesh.AllAliveAsync, s_discovery, ct);
        var server = mesh.Nodes[0];
        var peers = mesh.Nodes.Skip(1).ToList();
        var first = await server.CommitAsync("before-daemon-kill", ct);
        await mesh.WaitUntilAsync("first commit fetched", c => NetnsMesh.ArrivedAsync(peers, [first], c), s_propagation, ct);
        var daemonsBefore = (await server.Host.ListProcessesAsync(ct)).Where(p => p.IsNamed("git-daemon")).Select(p => p.Pid).ToList();
        Assert.NotEmpty(daemonsBefore);

        Assert.True(await server.KillGitDaemonAsync(ct) > 0);

        await mesh.WaitUntilAsync(
            "the node restarts its git daemon",
            async c => (await server.Host.ListProcessesAsync(c)).Any(p => p.IsNamed("git-daemon") && !daemonsBefore.Contains(p.Pid)),
            s_detection,
            ct);
        var second = await server.CommitAsync("after-daemon-kill", ct);
        await mesh.WaitUntilAsync(
            "peers fetch again from the restarted daemon",
            async c => await NetnsMesh.ArrivedAsync(peers, [second], c)
                && await NetnsMesh.AllSeeEachOtherAsync(
                    peers, [server], p => p.Remotes?.Any(r => r.LastFetch?.Ok == true) == true, c),
            s_rejoin,
            ct);
    }

    [Fact]
    public async Task MulticastBlocked_OnOneHostWithSeed_JoinsThroughGossipAndSaysDiscoveryDegraded()
    {
        var ct = await SkipUnlessScenariosAsync();
        await using var mesh = await NetnsMesh.CreateAsync(4, s_command, ct);
        var isolated = mesh.Nodes[3];
        var others = mesh.Nodes.Take(3).ToList();
        await mesh.Bed.BlockMulticastAsync(isolated.Host, ct);

        await Task.WhenAll(others.Select(n => n.StartAsync(new PeerMeshNodeOptions(), NetnsMesh.ReadyTimeout, ct)));
        await isolated.StartAsync(new PeerMeshNodeOptions { Peers = [others[0].GossipEndpoint] }, NetnsMesh.ReadyTimeout, ct);

        await mesh.WaitUntilAsync("all alive", mesh.AllAliveAsync, s_discovery, ct);
        await mesh.WaitUntilAsync(
            "the others found each other by mDNS and the isolated one not by mDNS",
            async c => await NetnsMesh.AllSeeEachOtherAsync(others, others, p => p.WasFoundBy("mdns"), c)
                && await NetnsMesh.AllSeeEachOtherAsync(others, [isolated], p => !p.WasFoundBy("mdns"), c),
            s_discovery,
            ct);
        await mesh.WaitUntilAsync(
            "the isolated node's status says discovery is degraded",
            async c => (await isolated.TryStatusAsync(c)).Status?.SaysDiscoveryDegraded == true,
            s_discovery,
            ct);
        Assert.False((await others[0].StatusAsync(ct)).SaysDiscoveryDegraded);
    }

    [Fact]
    public async Task NewAddress_NodeRestartsElsewhere_PeersFollowAndFetchFromTheNewAddress()
    {
        var ct = await SkipUnlessScenariosAsync();
        await using var mesh = await NetnsMesh.CreateAsync(3, s_command, ct);
        await mesh.StartAllAsync(ct);
        await mesh.WaitUntilAsync("all alive", mesh.AllAliveAsync, s_discovery, ct);
        var mover = mesh.Nodes[2];
        var oldAddress = mover.Address.ToString();

        await mover.RestartWithNewAddressAsync(NetnsMesh.ReadyTimeout, ct);
        var commit = await mover.CommitAsync("moved", ct);

        await mesh.WaitUntilAsync(
            "peers see the mover alive at its new address and fetch its commit",
            async c => await NetnsMesh.AllSeeEachOtherAsync(
                    mesh.Nodes.Take(2).ToList(), [mover], p => p.IsAlive && p.Address?.Contains(mover.Address.ToString(), StringComparison.Ordinal) == true, c)
                && await NetnsMesh.ArrivedAsync(mesh.Nodes.Take(2), [commit], c),
            s_rejoin,
            ct);
        Assert.NotEqual(oldAddress, mover.Address.ToString());
    }

    /// <summary>
    /// Issue 13 across hosts: each node serves the shared project and, added with `up PATH` to the running node, a
    /// second shared project; host 0 also a third that host 1 lacks. Over mDNS only, a commit in the second project on
    /// host 1 reaches host 0's clone of that project and no other; the third gets no remote; each host runs one node.
    /// </summary>
    [Fact]
    public async Task Up_SecondProjectAddedOnTwoHosts_ItsCommitsReachOnlyItsClone()
    {
        var ct = await SkipUnlessScenariosAsync();
        await using var mesh = await NetnsMesh.CreateAsync(2, s_command, ct);
        await mesh.StartAllAsync(ct);
        var (a, b) = (mesh.Nodes[0], mesh.Nodes[1]);
        var web = await ProjectAsync("web", ct);
        var notes = await ProjectAsync("notes", ct);
        var webA = await web.CloneToAsync(Path.Combine(a.Host.WorkDirectory, "web"), ct);
        var webB = await web.CloneToAsync(Path.Combine(b.Host.WorkDirectory, "web"), ct);
        var notesA = await notes.CloneToAsync(Path.Combine(a.Host.WorkDirectory, "notes"), ct);

        // The harness's sources share one pinned first commit; another project needs a first commit of its own.
        async Task<TestRepository> ProjectAsync(string name, CancellationToken c)
        {
            var source = await TestRepository.CreateAsync(Path.Combine(mesh.Bed.WorkRoot, name + "-source"), c);
            await TestRepository.GitAsync(source.Path, c, "commit", "--quiet", "--amend", "-m", name + ": initial commit");
            return source;
        }
        foreach (var (node, path) in new[] { (a, webA), (b, webB), (a, notesA) })
        {
            var added = await node.RunAsync(["up", path], ct);
            Assert.True(added.Succeeded, $"up {path} on {node.Name}: exit {added.ExitCode} {added.Stderr}");
        }

        await mesh.WaitUntilAsync("all alive", mesh.AllAliveAsync, s_discovery, ct);
        await mesh.WaitUntilAsync(
            $"{a.Name}'s web has a remote",
            async c => (await TestRepository.GitAsync(webA, c, "remote")).Length > 0,
            s_discovery,
            ct);

        var commit = await TestRepository.CommitFileAsync(webB, "web-change.txt", "web\n", "web change on b", ct);

        await mesh.WaitUntilAsync(
            $"the web commit in {a.Name}'s web clone",
            async c => (await TestRepository.GitAsync(webA, c, "for-each-ref", "--format=%(objectname)", "refs/remotes")).Contains(commit, StringComparison.Ordinal),
            s_propagation,
            ct);
        Assert.False(await a.HasRemoteRefAtAsync(commit, ct)); // the first project's clone: nothing of web
        Assert.Equal("", await TestRepository.GitAsync(notesA, ct, "remote"));
        var status = await a.RunAsync(["status", "--json", "--all"], ct);
        Assert.True(status.Succeeded, status.Stderr);
        var repos = System.Text.Json.Nodes.JsonNode.Parse(status.Stdout)!["repos"]!.AsArray();
        Assert.Equal(3, repos.Count);
        Assert.Single(await a.Host.ListProcessesAsync(ct), p => p.CommandLine.Contains("up") && p.CommandLine.Any(arg => arg.EndsWith("peermesh.dll", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task NewAddress_AddressChangesUnderARunningNodeThatCommitsAtOnce_CommitArrivesAtOnceAtTheNewAddress()
    {
        // Issue 12 item 14: a laptop changing networks. The node keeps running (bound to every address, as `up` is by
        // default, so its sockets survive the change); discovery is mDNS only. Before the fix the fetch its commit
        // triggered went to the old address, hung in connect for 10 s, and the commit came with the backstop (~77 s).
        var ct = await SkipUnlessScenariosAsync();
        await using var mesh = await NetnsMesh.CreateAsync(2, s_command, ct);
        await mesh.StartAllAsync(_ => new PeerMeshNodeOptions { EveryAddress = true }, ct);
        var (watcher, mover) = (mesh.Nodes[0], mesh.Nodes[1]);
        await mesh.WaitUntilAsync(
            "both alive, found by mDNS",
            c => NetnsMesh.AllSeeEachOtherAsync(mesh.Nodes, mesh.Nodes, p => p.IsAlive && p.WasFoundBy("mdns"), c),
            s_discovery,
            ct);
        var before = await mover.CommitAsync("before-move", ct);
        await mesh.WaitUntilAsync("the first commit fetched", c => NetnsMesh.ArrivedAsync([watcher], [before], c), s_propagation, ct);
        var remote = Assert.Single(await watcher.RemotesAsync(ct));
        var oldAddress = mover.Address;

        var newAddress = await mesh.Bed.ChangeAddressAsync(mover.Host, ct);
        var clock = TimeProvider.System;
        var committing = clock.GetTimestamp();
        var commit = await mover.CommitAsync("after-move", ct);

        // The known point is the ref itself. The deadline is long only so that a failure says how late it came.
        await mesh.WaitUntilAsync(
            $"{mover.Name}'s commit {commit} in {watcher.Name}'s refs/remotes/{remote}/",
            async c => (await TestRepository.GitAsync(watcher.RepositoryPath, c, "for-each-ref", "--format=%(objectname)", $"refs/remotes/{remote}/"))
                .Split('\n', StringSplitOptions.TrimEntries).Contains(commit),
            s_heal,
            ct);
        var arrivedAfter = clock.GetElapsedTime(committing);
        TestContext.Current.TestOutputHelper?.WriteLine($"move-commit-arrived-after-ms {arrivedAfter.TotalMilliseconds:F0} (goal: {s_moveGoal.TotalMilliseconds:F0})");
        Assert.True(
            arrivedAfter < s_moveBound,
            $"the commit made right after the move from {oldAddress} to {newAddress} arrived after {arrivedAfter.TotalSeconds:0.00} s (goal {s_moveGoal.TotalSeconds:0} s, bound {s_moveBound.TotalSeconds:0} s)\n{mesh.Describe()}");
        Assert.Contains(newAddress.ToString(), await TestRepository.GitAsync(watcher.RepositoryPath, ct, "remote", "get-url", remote), StringComparison.Ordinal);
        var peer = (await watcher.StatusAsync(ct)).Peer(mover.Id!);
        Assert.NotNull(peer);
        Assert.True(peer.IsAlive);
        Assert.StartsWith(newAddress + ":", peer.Address, StringComparison.Ordinal);
    }

    private static async Task<bool> NoteDeadAsync(NetnsMesh mesh, List<string> falselyDead, CancellationToken cancellationToken)
    {
        // Nobody is killed in the loss scenario, so any "dead" is a false declaration.
        foreach (var node in mesh.Nodes)
        {
            var (status, _) = await node.TryStatusAsync(cancellationToken);
            foreach (var peer in status?.Peers ?? [])
            {
                if (peer.State == "dead")
                {
                    falselyDead.Add($"{node.Name} declared {peer.Name ?? peer.Id} dead");
                }
            }
        }

        return true;
    }

    private static async Task<CancellationToken> SkipUnlessScenariosAsync()
    {
        if (Environment.GetEnvironmentVariable("PEERMESH_SCENARIOS") == "0")
        {
            Assert.Skip("PEERMESH_SCENARIOS=0: mesh scenarios skipped on request.");
        }

        var ct = await NetnsSkip.UnlessAvailableAsync();
        var unsupported = s_command is null
            ? await PeerMeshExecutable.GetUnsupportedReasonAsync(ct)
            : await PeerMeshExecutable.GetUnsupportedReasonAsync(s_command, ct);
        if (unsupported is not null)
        {
            Assert.Fail("the peermesh executable cannot run the scenarios: " + unsupported);
        }

        return ct;
    }
}
