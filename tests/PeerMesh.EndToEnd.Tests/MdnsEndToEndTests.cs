using PeerMesh.TestSupport.Netns;
using Xunit;

namespace PeerMesh.EndToEnd.Tests;

/// <summary>
/// Issue 5's acceptance test: three hosts in network namespaces on one bridge, no seeds at all, real
/// multicast: the real executables find each other by mDNS alone and sync.
/// </summary>
public sealed class MdnsEndToEndTests
{
    [Fact]
    public async Task Up_ThreeHostsNoSeeds_ListEachOtherByMdnsAndACommitReachesBoth()
    {
        var ct = TestContext.Current.CancellationToken;
        if (await NetnsTestBed.GetSkipReasonAsync(ct) is { } reason)
        {
            Assert.Skip(reason);
        }

        await using var mesh = await NetnsMesh.CreateAsync(3, ct);
        await mesh.StartAllAsync(ct);

        // How fast is the mdns and mdns-join benchmarks' to say (p50 about 0.1 s); here only that it happens. The deadline
        // is for a machine under load, where a start alone can take seconds.
        await mesh.WaitUntilAsync(
            "every node lists the other two, found by mDNS",
            c => NetnsMesh.AllSeeEachOtherAsync(mesh.Nodes, mesh.Nodes, p => p.IsAlive && p.WasFoundBy("mdns"), c),
            TimeSpan.FromSeconds(30),
            ct);

        var commit = await mesh.Nodes[0].CommitAsync("over mdns", ct);
        await mesh.WaitUntilAsync("the commit reaches the other two", c => NetnsMesh.ArrivedAsync(mesh.Nodes.Skip(1), [commit], c), TimeSpan.FromSeconds(20), ct);
    }

    [Fact]
    public async Task Up_FourthHostStartsLater_TheOthersListItAliveAndItFoundThemByMdns()
    {
        var ct = TestContext.Current.CancellationToken;
        if (await NetnsTestBed.GetSkipReasonAsync(ct) is { } reason)
        {
            Assert.Skip(reason);
        }

        // Issue 15: a host joining a running LAN mesh, no seeds: its first mDNS query is answered by the running nodes, it
        // joins them over gossip, and they list it (the timing is the mdns-join benchmark's; here only that it happens).
        await using var mesh = await NetnsMesh.CreateAsync(4, ct);
        var running = mesh.Nodes.Take(3).ToList();
        var fresh = mesh.Nodes[3];
        await Task.WhenAll(running.Select(n => n.StartAsync(new PeerMeshNodeOptions(), NetnsMesh.ReadyTimeout, ct)));
        await mesh.WaitUntilAsync(
            "the three running nodes list each other alive",
            c => NetnsMesh.AllSeeEachOtherAsync(running, running, p => p.IsAlive, c),
            TimeSpan.FromSeconds(10),
            ct);

        await fresh.StartAsync(new PeerMeshNodeOptions(), NetnsMesh.ReadyTimeout, ct);

        await mesh.WaitUntilAsync(
            "the three running nodes list the new one alive",
            c => NetnsMesh.AllSeeEachOtherAsync(running, [.. running, fresh], p => p.IsAlive, c),
            TimeSpan.FromSeconds(10),
            ct);
        await mesh.WaitUntilAsync(
            "the new node lists the three alive, found by mDNS",
            c => NetnsMesh.AllSeeEachOtherAsync([fresh], mesh.Nodes, p => p.IsAlive && p.WasFoundBy("mdns"), c),
            TimeSpan.FromSeconds(10),
            ct);
    }
}
