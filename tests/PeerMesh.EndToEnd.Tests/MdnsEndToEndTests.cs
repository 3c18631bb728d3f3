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
    public async Task Up_ThreeHostsNoSeeds_ListEachOtherByMdnsWithin5SecondsAndACommitReachesBoth()
    {
        var ct = TestContext.Current.CancellationToken;
        if (await NetnsTestBed.GetSkipReasonAsync(ct) is { } reason)
        {
            Assert.Skip(reason);
        }

        await using var mesh = await NetnsMesh.CreateAsync(3, ct);
        await mesh.StartAllAsync(ct);

        var took = await mesh.WaitUntilAsync(
            "every node lists the other two, found by mDNS",
            c => NetnsMesh.AllSeeEachOtherAsync(mesh.Nodes, mesh.Nodes, p => p.IsAlive && p.WasFoundBy("mdns"), c),
            TimeSpan.FromSeconds(5),
            ct);
        Assert.True(took <= TimeSpan.FromSeconds(5));

        var commit = await mesh.Nodes[0].CommitAsync("over mdns", ct);
        await mesh.WaitUntilAsync("the commit reaches the other two", c => NetnsMesh.ArrivedAsync(mesh.Nodes.Skip(1), [commit], c), TimeSpan.FromSeconds(20), ct);
    }
}
