using PeerMesh.TestSupport.Netns;
using Xunit;

namespace PeerMesh.EndToEnd.Tests.Netns;

/// <summary>The scenario harness (cluster, nodes, status polling, kill and restart) driven by a stub peermesh.</summary>
public sealed class NetnsMeshTests
{
    [Fact]
    public async Task StartAllAsync_StubNodes_AllAliveThenCrashDetectedThenRejoin()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        var stubDir = Path.Combine(Path.GetTempPath(), $"pmt-{Environment.ProcessId}-stub{Guid.NewGuid():N}"[..30]);
        try
        {
            await using var mesh = await NetnsMesh.CreateAsync(3, FakePeerMesh.Install(stubDir), ct);

            await mesh.StartAllAsync(ct);
            await mesh.WaitUntilAsync("all alive", mesh.AllAliveAsync, TimeSpan.FromSeconds(30), ct);

            Assert.Equal(3, mesh.Nodes.Select(n => n.Id).Distinct().Count());
            Assert.All(mesh.Nodes, n => Assert.InRange(n.GossipPort, 40000, 60000));
            Assert.Equal($"{mesh.Nodes[0].Address}:{mesh.Nodes[0].GossipPort}", mesh.Nodes[0].GossipEndpoint);
            var victim = mesh.Nodes[2];
            var survivors = mesh.Nodes.Take(2).ToList();

            await victim.KillAsync(ct);
            Assert.Equal(137, victim.Process!.ExitCode);
            await mesh.WaitUntilAsync(
                "victim not alive",
                c => NetnsMesh.AllSeeEachOtherAsync(survivors, [victim], p => p.State == "dead", c),
                TimeSpan.FromSeconds(30),
                ct);
            Assert.Contains("h3 dead via mdns, 1 remote(s)", mesh.Describe(), StringComparison.Ordinal);

            await victim.RestartAsync(NetnsMesh.ReadyTimeout, ct);
            await mesh.WaitUntilAsync("all alive again", mesh.AllAliveAsync, TimeSpan.FromSeconds(30), ct);
            Assert.Equal(0, await mesh.Nodes[0].DownAsync(TimeSpan.FromSeconds(10), ct));
        }
        finally
        {
            Directory.Delete(stubDir, recursive: true);
        }
    }

    [Fact]
    public async Task StartAsync_ExecutableExitsAtOnce_ThrowsWithItsOutput()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        var stubDir = Path.Combine(Path.GetTempPath(), $"pmt-{Environment.ProcessId}-stub{Guid.NewGuid():N}"[..30]);
        try
        {
            await using var mesh = await NetnsMesh.CreateAsync(1, FakePeerMesh.Install(stubDir), ct);

            var error = await Assert.ThrowsAsync<InvalidOperationException>(
                () => mesh.Nodes[0].StartAsync(new PeerMeshNodeOptions { ExtraArgs = ["--exit-at-once"] }, TimeSpan.FromSeconds(30), ct));

            Assert.Contains("exited with code 3", error.Message, StringComparison.Ordinal);
            Assert.Contains("exiting at once", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(stubDir, recursive: true);
        }
    }

    [Fact]
    public async Task RestartWithNewAddressAsync_StubNode_ListensOnTheFreshAddress()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        var stubDir = Path.Combine(Path.GetTempPath(), $"pmt-{Environment.ProcessId}-stub{Guid.NewGuid():N}"[..30]);
        try
        {
            await using var mesh = await NetnsMesh.CreateAsync(2, FakePeerMesh.Install(stubDir), ct);
            await mesh.StartAllAsync(ct);
            var mover = mesh.Nodes[1];
            var firstProcess = mover.Process!;

            await mover.RestartWithNewAddressAsync(NetnsMesh.ReadyTimeout, ct);

            Assert.Equal(0, firstProcess.ExitCode);
            Assert.Equal("198.18.0.101", mover.Address.ToString());
            await mesh.WaitUntilAsync(
                "peer sees the new address",
                c => NetnsMesh.AllSeeEachOtherAsync(
                    [mesh.Nodes[0]], [mover], p => p.IsAlive && p.Address!.StartsWith("198.18.0.101:", StringComparison.Ordinal), c),
                TimeSpan.FromSeconds(30),
                ct);
        }
        finally
        {
            Directory.Delete(stubDir, recursive: true);
        }
    }

    [Fact]
    public async Task LocalStateAsync_AfterOwnCommit_ChangesAndRemoteRefsDoNotHaveIt()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var mesh = await NetnsMesh.CreateAsync(2, ct);
        var node = mesh.Nodes[0];
        var before = await node.LocalStateAsync(ct);

        var commit = await node.CommitAsync("local", ct);

        Assert.NotEqual(before, await node.LocalStateAsync(ct));
        Assert.Contains(commit, await node.LocalStateAsync(ct), StringComparison.Ordinal);
        Assert.False(await node.HasRemoteRefAtAsync(commit, ct));
        Assert.False(await NetnsMesh.ArrivedAsync([mesh.Nodes[1]], [commit], ct));
        await TestRepository.GitAsync(mesh.Nodes[1].RepositoryPath, ct, "fetch", "--quiet", node.RepositoryPath, "+refs/heads/*:refs/remotes/h1/*");
        Assert.True(await NetnsMesh.ArrivedAsync([mesh.Nodes[1]], [commit], ct));
        Assert.Empty(await node.RemotesAsync(ct));
    }
}
