using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Mesh.Tests.Gossip;

/// <summary>
/// The gossip timer wakes the node only while something is queued to spread (issue 15: idle means idle). Nodes on the
/// in-memory network with one fake clock (FastTest: a gossip tick every 20 ms, a probe every 100 ms).
/// </summary>
public sealed class MeshNodeGossipTimerTests
{
    [Fact]
    public async Task GossipTimer_MeshIdle_StopsAndAJoinStartsItAgain()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 5);
        var nodes = await cluster.AddJoinedNodesAsync(3);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(nodes), TimeSpan.FromSeconds(10)));
        // Every queued update goes out its retransmit limit, then nothing is left to spread.
        Assert.NotNull(cluster.RunUntil(() => Stopped(cluster, nodes), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100)));
        var idle = nodes.Select(n => n.Statistics.GossipTicks).ToList();

        cluster.Run(TimeSpan.FromSeconds(10)); // 500 gossip intervals, 100 probe rounds
        Assert.Equal(idle, nodes.Select(n => n.Statistics.GossipTicks));
        Assert.True(MeshCluster.AllSeeEachOtherAlive(nodes)); // failure detection kept running

        var joined = await cluster.AddJoinedNodesAsync(1);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(10)));
        // The seed took the join and queued the newcomer's alive: its timer runs again (the others may learn of the
        // newcomer by a state exchange, which queues nothing).
        Assert.True(nodes[0].Statistics.GossipTicks > idle[0], "the seed did not gossip the join");
    }

    [Fact]
    public async Task ProbeTimeoutTimer_EveryProbeAnswered_NeverFires()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 11);
        var nodes = await cluster.AddJoinedNodesAsync(3);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(nodes), TimeSpan.FromSeconds(10)));
        var before = nodes.Select(n => n.Statistics.ProbeTimeouts).ToList();

        cluster.Run(TimeSpan.FromSeconds(10)); // 100 probe rounds on a network that loses nothing

        // The timeout is stopped by each ack; had it fired, it would have counted (and then found the probe answered).
        Assert.Equal(before, nodes.Select(n => n.Statistics.ProbeTimeouts));
        Assert.True(MeshCluster.AllSeeEachOtherAlive(nodes));
    }

    [Fact]
    public async Task GossipTimer_NodeAlone_TicksOnceThenStops()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 9);
        var node = await cluster.AddNodeAsync();

        cluster.Run(TimeSpan.FromSeconds(10));

        Assert.Equal(1, node.Statistics.GossipTicks); // its own alive is queued, but no one is there to hear it
    }

    /// <summary>Each node's ticks stand still over a few gossip intervals.</summary>
    private static bool Stopped(MeshCluster cluster, List<PeerMesh.Mesh.Gossip.MeshNode> nodes)
    {
        var before = nodes.Select(n => n.Statistics.GossipTicks).ToList();
        cluster.Run(TimeSpan.FromMilliseconds(100));
        return before.SequenceEqual(nodes.Select(n => n.Statistics.GossipTicks));
    }
}
