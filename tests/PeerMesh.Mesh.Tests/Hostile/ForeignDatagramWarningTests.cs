using System.Text;
using Microsoft.Extensions.Logging;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Options;
using PeerMesh.Mesh.Security;
using PeerMesh.Mesh.Wire;
using PeerMesh.TestSupport.Logging;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Mesh.Tests.Hostile;

/// <summary>HOSTILE-INPUTS 2 (and 6, 43) on <see cref="MeshNode"/>: foreign datagrams are counted each time, warned once per source.</summary>
public sealed class ForeignDatagramWarningTests : IDisposable
{
    private const string OtherId = "00112233445566778899aabbccddeeff";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "peermesh-foreign-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Receive_OtherVersionMeshAndKey_CountedEveryTimeWarnedOncePerSourceAndReason()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var logger = new RecordingLogger<MeshNode>();
        using var identity = NodeIdentity.LoadOrCreate(_root);
        await using var node = new MeshNode(MeshOptions.FastTest(), identity, "node", cluster.Network.CreateTransport(), cluster.Time, logger);
        await node.StartAsync(TestContext.Current.CancellationToken);
        var first = cluster.Network.CreateTransport();
        var second = cluster.Network.CreateTransport();
        var ours = new MeshCodec("peermesh", OtherId, null, TimeSpan.FromSeconds(60), cluster.Time, 1400).Encode(new GossipMessage());
        var newerVersion = (byte[])ours.Clone();
        newerVersion[2] = MeshCodec.FormatVersion + 1;
        var otherMesh = new MeshCodec("someone-else", OtherId, null, TimeSpan.FromSeconds(60), cluster.Time, 1400).Encode(new GossipMessage());
        using var key = new MeshKeyRing([Encoding.ASCII.GetBytes("a key this node does not have...")], "peermesh");
        var otherKey = new MeshCodec("peermesh", OtherId, key, TimeSpan.FromSeconds(60), cluster.Time, 1400).Encode(new GossipMessage());

        for (var i = 0; i < 10; i++)
        {
            first.Send(node.LocalEndPoint, newerVersion);
            first.Send(node.LocalEndPoint, otherMesh);
            first.Send(node.LocalEndPoint, otherKey);
            second.Send(node.LocalEndPoint, newerVersion);
        }

        cluster.Run(TimeSpan.FromMilliseconds(5));

        Assert.Equal(20, node.Statistics.DropsFor(DropReason.UnknownVersion));
        Assert.Equal(10, node.Statistics.DropsFor(DropReason.WrongMesh));
        Assert.Equal(10, node.Statistics.DropsFor(DropReason.KeyMismatch));
        var warnings = logger.Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Message).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(4, warnings.Count);
        Assert.Single(warnings, w => w.Contains(first.LocalEndPoint.Address.ToString(), StringComparison.Ordinal) && w.Contains(DropReason.UnknownVersion, StringComparison.Ordinal));
        Assert.Single(warnings, w => w.Contains(second.LocalEndPoint.Address.ToString(), StringComparison.Ordinal) && w.Contains(DropReason.UnknownVersion, StringComparison.Ordinal));
        Assert.Single(warnings, w => w.Contains(DropReason.WrongMesh, StringComparison.Ordinal));
        Assert.Single(warnings, w => w.Contains(DropReason.KeyMismatch, StringComparison.Ordinal));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
