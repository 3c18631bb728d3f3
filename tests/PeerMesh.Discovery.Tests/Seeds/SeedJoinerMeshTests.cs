using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Discovery.Seeds;
using PeerMesh.Mesh.Membership;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Discovery.Tests.Seeds;

/// <summary>Seeds driving real mesh nodes on the in-memory network, one fake clock.</summary>
public sealed class SeedJoinerMeshTests
{
    [Fact]
    public async Task Seeds_ChainedThroughThreeNodes_AllAliveFoundBySeedAndJoined()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 3);
        var a = await cluster.AddNodeAsync();
        var b = await cluster.AddNodeAsync();
        var c = await cluster.AddNodeAsync();
        await using var bSeeds = new SeedJoiner([SeedAddress.Parse(a.LocalEndPoint.ToString())], b, b, cluster.Time, NullLogger<SeedJoiner>.Instance);
        await using var cSeeds = new SeedJoiner([SeedAddress.Parse(b.LocalEndPoint.ToString())], c, c, cluster.Time, NullLogger<SeedJoiner>.Instance);
        await bSeeds.StartAsync(TestContext.Current.CancellationToken);
        await cSeeds.StartAsync(TestContext.Current.CancellationToken);
        var took = cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(10));
        cluster.Run(TimeSpan.FromSeconds(2));

        Assert.NotNull(took);
        Assert.True(b.Current.Find(a.LocalId)!.FoundBy.HasFlag(DiscoverySource.Seed));
        Assert.Equal(DiscoverySource.Gossip, c.Current.Find(a.LocalId)!.FoundBy);
        Assert.True(bSeeds.Status[0].Joined);
        Assert.True(cSeeds.Status[0].Joined);
    }
}
