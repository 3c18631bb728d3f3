using PeerMesh.Mesh.Options;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Mesh.Tests.Hostile;

/// <summary>
/// HOSTILE-INPUTS 45, the part that can be simulated: 20 idle nodes with LAN settings for an hour of simulated
/// time stay all alive, their traffic is within budget and flat (the second half costs what the first did).
/// Memory, handles and threads of a real process are not measured here.
/// </summary>
public sealed class IdleMeshBudgetTests
{
    [Fact]
    public async Task Idle_TwentyNodesForAnHour_AllAliveTrafficWithinBudgetAndFlat()
    {
        await using var cluster = MeshCluster.WithSimulatedTime(options: MeshOptions.Lan);
        var nodes = await cluster.AddJoinedNodesAsync(20);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(nodes), TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(1)));

        var start = nodes.Select(n => n.Statistics.BytesOut).ToArray();
        cluster.Run(TimeSpan.FromMinutes(30));
        var half = nodes.Select(n => n.Statistics.BytesOut).ToArray();
        cluster.Run(TimeSpan.FromMinutes(30));
        var end = nodes.Select(n => n.Statistics.BytesOut).ToArray();

        Assert.True(MeshCluster.AllSeeEachOtherAlive(nodes));
        for (var i = 0; i < nodes.Count; i++)
        {
            var first = (half[i] - start[i]) / 1800.0;
            var second = (end[i] - half[i]) / 1800.0;
            // Budget: 2 KB/s per node when idle (probes, acks and a push-pull every 30 s).
            Assert.True(second < 2048, $"node {i} sends {second:F0} B/s when idle");
            Assert.InRange(second, first * 0.8, first * 1.2);
            Assert.Equal(0, nodes[i].Statistics.TotalDrops);
        }
    }
}
