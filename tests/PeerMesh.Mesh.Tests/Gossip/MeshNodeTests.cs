using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Options;
using PeerMesh.Mesh.Wire;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Mesh.Tests.Gossip;

/// <summary>Many nodes on the in-memory network with one fake clock: no sleeping, deterministic per seed.</summary>
public sealed class MeshNodeTests
{
    private const string RepoId = "0123456789abcdef0123456789abcdef01234567";

    [Fact]
    public async Task Join_FiftyNodesThroughOneSeed_AllSeeEachOtherAlive()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 7);
        await cluster.AddJoinedNodesAsync(50);

        var took = cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));

        Assert.NotNull(took);
        Assert.All(cluster.Nodes, n => Assert.Equal(49, n.Current.Members.Length));
        Assert.All(cluster.Nodes, n => Assert.Equal(0, n.Statistics.TotalDrops));
    }

    [Fact]
    public async Task Crash_OneOfTen_DeclaredDeadByAllOthers()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 3);
        await cluster.AddJoinedNodesAsync(10);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(10)));
        var victim = cluster.Nodes[4];
        var others = cluster.Nodes.Where(n => n != victim).ToList();

        cluster.Crash(victim);
        var took = cluster.RunUntil(
            () => MeshCluster.AllSee(others, victim.LocalId, m => m?.State == MemberState.Dead),
            TimeSpan.FromSeconds(10));

        Assert.NotNull(took);
        Assert.True(MeshCluster.AllSeeEachOtherAlive(others));
    }

    [Fact]
    public async Task Run_TenPercentLoss_NoMemberDeclaredDead()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 11);
        await cluster.AddJoinedNodesAsync(20);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(15)));

        cluster.Network.LossRate = 0.10;
        var falsePositive = cluster.RunUntil(
            () => cluster.Nodes.Any(n => n.Current.Members.Any(m => m.State is MemberState.Dead or MemberState.Left)),
            TimeSpan.FromSeconds(60),
            TimeSpan.FromMilliseconds(100));

        Assert.Null(falsePositive);
    }

    [Fact]
    public async Task Partition_HealedAfterBothSidesDeclaredTheOtherDead_AllAliveAgain()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 5);
        await cluster.AddJoinedNodesAsync(10);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(10)));
        var left = cluster.Nodes.Take(5).ToList();
        var right = cluster.Nodes.Skip(5).ToList();

        cluster.Network.Partition(left.Select(n => n.LocalEndPoint));
        var split = cluster.RunUntil(
            () => left.All(l => right.All(r => l.Table.Get(r.LocalId)?.Member.State == MemberState.Dead)),
            TimeSpan.FromSeconds(30));
        Assert.NotNull(split);
        cluster.Run(TimeSpan.FromSeconds(10));

        cluster.Network.Heal();
        var healed = cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));

        Assert.NotNull(healed);
    }

    [Fact]
    public async Task Stop_GracefulLeave_SeenByAllWithinOneLatency()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 13);
        await cluster.AddJoinedNodesAsync(10);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(10)));
        var leaver = cluster.Nodes[3];
        var others = cluster.Nodes.Where(n => n != leaver).ToList();

        await leaver.StopAsync(TestContext.Current.CancellationToken);
        cluster.Run(TimeSpan.FromMilliseconds(2));

        Assert.True(MeshCluster.AllSee(others, leaver.LocalId, m => m?.State == MemberState.Left));
        Assert.All(others, o => Assert.False(o.Current.Find(leaver.LocalId)!.IsLive));
    }

    [Fact]
    public async Task Restart_SameIdentityNewAddress_AllUpdateTheAddress()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 17);
        await cluster.AddJoinedNodesAsync(6);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(10)));
        var old = cluster.Nodes[2];
        var others = cluster.Nodes.Where(n => n != old).ToList();
        cluster.Crash(old);
        cluster.Run(TimeSpan.FromMilliseconds(300));

        var restarted = await cluster.AddNodeAsync(identity: cluster.IdentityOf(old), name: "node2");
        restarted.OfferCandidate(others[0].LocalEndPoint, DiscoverySource.Seed);
        var took = cluster.RunUntil(
            () => MeshCluster.AllSee(others, old.LocalId, m => m is { State: MemberState.Alive } && m.GossipEndPoint.Equals(restarted.LocalEndPoint)),
            TimeSpan.FromSeconds(5));

        Assert.True(took is not null, string.Join("; ", others.Select(o => $"{o.Current.Find(old.LocalId)} conflicts={o.Statistics.Conflicts} drops={string.Join(",", o.Statistics.Drops)}")) + $" | restarted inc {restarted.Incarnation} members {restarted.Current.Members.Length} drops={string.Join(",", restarted.Statistics.Drops)} old inc {old.Incarnation}");
        Assert.NotEqual(old.LocalEndPoint, restarted.LocalEndPoint);
    }

    [Fact]
    public async Task PublishLocalRefs_SharingMembers_SeeNewVersionInOneLatency()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 19);
        var nodes = await cluster.AddJoinedNodesAsync(5);
        foreach (var node in nodes.Take(4))
        {
            node.SetLocalRepos([new RepoAnnouncement(RepoId, "project", "/project.git", "aa", 1)]);
        }

        Assert.NotNull(cluster.RunUntil(
            () => nodes.All(n => nodes.Where(o => o != n).Take(4).All(o => n.Current.Find(o.LocalId)?.Repos.Length == 1 || o == nodes[4])),
            TimeSpan.FromSeconds(10)));
        var publisher = nodes[0];

        publisher.PublishLocalRefs(RepoId, "bb");
        cluster.Run(TimeSpan.FromMilliseconds(2));

        foreach (var sharing in nodes.Skip(1).Take(3))
        {
            var repo = sharing.Current.Find(publisher.LocalId)!.FindRepo(RepoId)!;
            Assert.Equal("bb", repo.RefsDigest);
            Assert.True(repo.RefsVersion > 1);
        }
    }

    [Fact]
    public async Task PublishLocalRefs_GivenVersion_AnnouncedAsIsUnlessAtOrBelowTheHeldOne()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 29);
        var nodes = await cluster.AddJoinedNodesAsync(2);
        nodes[0].SetLocalRepos([new RepoAnnouncement(RepoId, "project", "/project.git", "aa", 5_000_000_000_000)]);
        nodes[1].SetLocalRepos([new RepoAnnouncement(RepoId, "project", "/project.git", "aa", 1)]);

        var given = nodes[0].PublishLocalRefs(RepoId, "bb", 5_000_000_000_100);
        var sameDigest = nodes[0].PublishLocalRefs(RepoId, "bb", 5_000_000_000_200);
        var below = nodes[0].PublishLocalRefs(RepoId, "cc", 7);
        Assert.NotNull(cluster.RunUntil(() => nodes[1].Current.Find(nodes[0].LocalId)?.FindRepo(RepoId)?.RefsDigest == "cc", TimeSpan.FromSeconds(10)));

        Assert.Equal((5_000_000_000_100, 5_000_000_000_100, 5_000_000_000_101), (given, sameDigest, below));
        var seen = nodes[1].Current.Find(nodes[0].LocalId)!.FindRepo(RepoId)!;
        Assert.Equal(("cc", 5_000_000_000_101), (seen.RefsDigest, seen.RefsVersion));
    }

    [Fact]
    public async Task OfferCandidate_Seed_MemberFoundBySeedAndOthersByGossip()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 23);
        var nodes = await cluster.AddJoinedNodesAsync(4);

        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(10)));

        var joiner = nodes[3];
        Assert.True(joiner.Current.Find(nodes[0].LocalId)!.FoundBy.HasFlag(DiscoverySource.Seed));
        Assert.Equal(DiscoverySource.Gossip, joiner.Current.Find(nodes[1].LocalId)!.FoundBy);
    }

    [Fact]
    public async Task OfferCandidate_LiveMemberKnownOnlyThroughAnother_ExchangesWithItAtOnce()
    {
        // Gossip and periodic push-pull slowed right down: only a direct exchange can tell the second member in time.
        await using var cluster = MeshCluster.WithFakeTime(seed: 37);
        static void Slow(MeshOptions o)
        {
            o.GossipInterval = TimeSpan.FromSeconds(30);
            o.PushPullInterval = TimeSpan.FromMinutes(10);
            o.ProbeInterval = TimeSpan.FromSeconds(30);
        }

        var first = await cluster.AddNodeAsync(Slow);
        var second = await cluster.AddNodeAsync(Slow);
        second.OfferCandidate(first.LocalEndPoint, DiscoverySource.Mdns);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1)));
        var fresh = await cluster.AddNodeAsync(Slow);
        fresh.OfferCandidate(first.LocalEndPoint, DiscoverySource.Mdns);
        Assert.NotNull(cluster.RunUntil(() => fresh.Current.Find(second.LocalId) is { IsLive: true }, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1)));
        Assert.Null(second.Current.Find(fresh.LocalId));

        // The second member's mDNS answer comes in after the first exchange named it: exchanged with directly all the same.
        fresh.OfferCandidate(second.LocalEndPoint, DiscoverySource.Mdns, second.LocalId);

        Assert.NotNull(cluster.RunUntil(() => second.Current.Find(fresh.LocalId) is { IsLive: true }, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(1)));
        Assert.True(fresh.Current.Find(second.LocalId)!.FoundBy.HasFlag(DiscoverySource.Mdns));
    }

    [Fact]
    public async Task OfferCandidate_LiveMemberAlreadyExchangedWith_SendsNothing()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 41);
        var first = await cluster.AddNodeAsync();
        var second = await cluster.AddNodeAsync();
        second.OfferCandidate(first.LocalEndPoint, DiscoverySource.Seed);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1)));
        var sent = cluster.Network.DatagramsSent;

        second.OfferCandidate(first.LocalEndPoint, DiscoverySource.Mdns, first.LocalId);

        Assert.Equal(sent, cluster.Network.DatagramsSent);
        Assert.True(second.Current.Find(first.LocalId)!.FoundBy.HasFlag(DiscoverySource.Mdns));
    }

    [Fact]
    public async Task WaitForChangeAsync_MemberJoins_CompletesWithNewerSnapshot()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 29);
        var first = await cluster.AddNodeAsync();
        var version = first.Current.Version;
        var wait = first.WaitForChangeAsync(version, TestContext.Current.CancellationToken).AsTask();
        Assert.False(wait.IsCompleted);

        var second = await cluster.AddNodeAsync();
        second.OfferCandidate(first.LocalEndPoint, DiscoverySource.Seed);
        cluster.Run(TimeSpan.FromMilliseconds(5));

        var snapshot = await wait;
        Assert.True(snapshot.Version > version);
        Assert.Equal(second.LocalId, Assert.Single(snapshot.Members).Id);
    }

    [Fact]
    public async Task Suspect_RumourAboutLiveNode_RefutedWithHigherIncarnation()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 31);
        await cluster.AddJoinedNodesAsync(3);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(10)));
        var target = cluster.Nodes[1];
        var before = target.Incarnation;

        // Drop everything target sends for a while: others suspect it; once heard again it refutes.
        cluster.Network.Partition([target.LocalEndPoint]);
        cluster.RunUntil(() => cluster.Nodes[0].Current.Find(target.LocalId)!.State == MemberState.Suspect, TimeSpan.FromSeconds(5));
        cluster.Network.Heal();
        var took = cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(10));

        Assert.NotNull(took);
        Assert.True(target.Incarnation > before);
    }

    [Fact]
    public async Task LastSeen_MembersProbeEachOther_RecentForLiveOldForCrashed()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 37);
        await cluster.AddJoinedNodesAsync(3);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(10)));
        var crashed = cluster.Nodes[2];
        cluster.Crash(crashed);
        var crashedAt = cluster.Time.GetUtcNow();

        cluster.Run(TimeSpan.FromSeconds(3));

        var now = cluster.Time.GetUtcNow();
        var view = cluster.Nodes[0].Current;
        Assert.InRange(view.Find(cluster.Nodes[1].LocalId)!.LastSeen, now - TimeSpan.FromMilliseconds(500), now);
        Assert.True(view.Find(crashed.LocalId)!.LastSeen <= crashedAt);
    }

    [Fact]
    public async Task PushPull_StateLargerThanOneDatagram_SplitIntoPartsWithinLimit()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 41);
        var nodes = await cluster.AddJoinedNodesAsync(30);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(15)));
        var replies = new List<PushPullMessage>();
        var sizes = new List<int>();
        var raw = cluster.Network.CreateTransport();
        var codec = new MeshCodec("peermesh", "00112233445566778899aabbccddeeff", null, TimeSpan.FromMinutes(1), cluster.Time, 1400);
        raw.Start(d =>
        {
            if (codec.Decode(d.Data).Message is PushPullMessage reply)
            {
                replies.Add(reply);
                sizes.Add(d.Data.Length);
            }
        });

        raw.Send(nodes[0].LocalEndPoint, codec.Encode(new PushPullMessage { ExchangeId = 99, PartCount = 1, States = [] }));
        cluster.Run(TimeSpan.FromMilliseconds(5));

        Assert.True(replies.Count >= 3, $"{replies.Count} parts");
        Assert.All(replies, r => Assert.Equal((99L, true, replies.Count), (r.ExchangeId, r.IsReply, r.PartCount)));
        Assert.Equal(Enumerable.Range(0, replies.Count), replies.Select(r => r.Part).Order());
        Assert.All(sizes, size => Assert.InRange(size, 1, 1400));
        Assert.Equal(30, replies.Sum(r => r.States!.Length));
    }

    [Fact]
    public async Task SameIdentityTwice_ConflictCountedAndNoEndlessFlipFlop()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 43);
        var nodes = await cluster.AddJoinedNodesAsync(4);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(cluster.Nodes), TimeSpan.FromSeconds(10)));
        var original = nodes[1];
        var twin = await cluster.AddNodeAsync(identity: cluster.IdentityOf(original), name: "twin");
        twin.OfferCandidate(nodes[0].LocalEndPoint, DiscoverySource.Seed);
        cluster.Run(TimeSpan.FromSeconds(10));
        var settled = nodes[0].Current.Find(original.LocalId)!.GossipEndPoint;

        cluster.Run(TimeSpan.FromSeconds(20));

        Assert.Equal(settled, nodes[0].Current.Find(original.LocalId)!.GossipEndPoint);
        Assert.True(original.Statistics.Conflicts + twin.Statistics.Conflicts + nodes.Sum(n => n.Statistics.Conflicts) > 0);
        Assert.True(original.Incarnation - twin.Incarnation is >= -2 and <= 2);
    }
}

