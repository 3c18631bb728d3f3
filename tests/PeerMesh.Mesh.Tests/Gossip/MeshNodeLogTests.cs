using System.Text;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Options;
using PeerMesh.TestSupport.Logging;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Mesh.Tests.Gossip;

/// <summary>What people read in the node's log: words, not C# values (issue 12, item 12).</summary>
public sealed class MeshNodeLogTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "peermesh-log-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData(false, "(open mesh, no mesh key)")]
    [InlineData(true, "(sealed with the mesh key)")]
    public async Task StartAsync_OpenOrSealed_SaysSoInWords(bool sealedMesh, string expected)
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var logger = new RecordingLogger<MeshNode>();
        await using var node = await StartAsync(cluster, logger, o => o.MeshKeys = sealedMesh ? [Encoding.ASCII.GetBytes("a mesh key of at least 16 bytes")] : []);

        var line = Assert.Single(logger.Lines, l => l.Message.Contains("listening on", StringComparison.Ordinal)).Message;

        Assert.EndsWith(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("True", line, StringComparison.Ordinal);
        Assert.DoesNotContain("False", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PeerBackAfterBeingDeclaredDead_LinesInLowerCaseWords()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 12);
        var logger = new RecordingLogger<MeshNode>();
        var others = await cluster.AddJoinedNodesAsync(2);
        await using var node = await StartAsync(cluster, logger);
        node.OfferCandidate(others[0].LocalEndPoint, DiscoverySource.Seed);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive([.. others, node]), TimeSpan.FromSeconds(10)));

        cluster.Network.Partition([others[1].LocalEndPoint]);
        Assert.NotNull(cluster.RunUntil(() => node.Current.Find(others[1].LocalId)?.State == MemberState.Dead, TimeSpan.FromSeconds(10)));
        cluster.Network.Heal();
        Assert.NotNull(cluster.RunUntil(() => node.Current.Find(others[1].LocalId)?.State == MemberState.Alive, TimeSpan.FromSeconds(10)));

        var messages = logger.Lines.Select(l => l.Message).ToList();
        Assert.Contains(messages, m => m.StartsWith("peer node1 (", StringComparison.Ordinal) && m.EndsWith(") is alive again (was offline)", StringComparison.Ordinal));
        Assert.All(messages, m => Assert.DoesNotMatch("Alive|Suspect|Dead|Left|True|False", m));
        Assert.All(messages, m => Assert.False(char.IsUpper(m[0]), m));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private async Task<MeshNode> StartAsync(MeshCluster cluster, RecordingLogger<MeshNode> logger, Action<MeshOptions>? configure = null)
    {
        var options = MeshOptions.FastTest();
        options.RandomSeed = 99;
        configure?.Invoke(options);
        var identity = NodeIdentity.LoadOrCreate(_root);
        var node = new MeshNode(options, identity, "logged", cluster.Network.CreateTransport(), cluster.Time, logger);
        await node.StartAsync(TestContext.Current.CancellationToken);
        return node;
    }
}
