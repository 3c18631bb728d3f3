using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Membership;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Mesh.Tests.Hostile;

/// <summary>
/// HOSTILE-INPUTS 8 on <see cref="MeshNode"/>: the wall clock jumps (NTP step, suspend, a user) while the
/// monotonic clock runs on; protocol deadlines follow the monotonic one.
/// </summary>
public sealed class WallClockJumpTests
{
    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public async Task WallClockJumpsAnHour_NoFalseDeathCrashStillDetectedAndDeadMemberReaped(int hours)
    {
        await using var cluster = MeshCluster.WithJumpingWallClock(out var wallClock);
        var nodes = await cluster.AddJoinedNodesAsync(4);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(nodes), TimeSpan.FromSeconds(10)));

        wallClock.Offset = TimeSpan.FromHours(hours);
        cluster.Run(TimeSpan.FromSeconds(5));
        Assert.True(MeshCluster.AllSeeEachOtherAlive(nodes));

        var crashed = nodes[3];
        var survivors = nodes.Take(3).ToList();
        cluster.Crash(crashed);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSee(survivors, crashed.LocalId, m => m?.State == MemberState.Dead), TimeSpan.FromSeconds(30)));

        // FastTest keeps dead members 10 minutes; reaping runs every 10 s.
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSee(survivors, crashed.LocalId, m => m is null), TimeSpan.FromMinutes(11), TimeSpan.FromSeconds(1)));
    }
}
