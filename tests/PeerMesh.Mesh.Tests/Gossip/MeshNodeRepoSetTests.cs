using System.Globalization;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Wire;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Mesh.Tests.Gossip;

/// <summary>
/// One node serving many repositories (up to 256): the alive carries a summary of the set, each repository is a signed
/// statement of its own, and members that hold another set ask for it. On the in-memory network with a fake clock.
/// </summary>
public sealed class MeshNodeRepoSetTests : IDisposable
{
    private const int MaxDatagram = 1400;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "peermesh-reposet-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task SetLocalRepos_256OnEachOfFourNodes_EveryNodeSeesEveryRepoWithItsRefsVersion()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 41);
        var nodes = await StartWithReposAsync(cluster);

        var took = cluster.RunUntil(() => AllSeeAllRepos(nodes), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

        Assert.True(took is not null, Describe(nodes));
        Assert.InRange(cluster.Network.LargestDatagram, 1, MaxDatagram);
        Assert.All(nodes, n => Assert.Equal(0, n.Statistics.TotalDrops));
        Assert.All(nodes, n => Assert.Equal(0, n.Statistics.SendFailures));
    }

    [Fact]
    public async Task PublishLocalRefs_Repo200_SharingMembersSeeItFromOneDirectDatagramEach()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 43);
        var nodes = await StartWithReposAsync(cluster);
        Assert.NotNull(cluster.RunUntil(() => AllSeeAllRepos(nodes), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50)));
        var publisher = nodes[0];
        var repo200 = publisher.LocalRepos[200];
        var sent = publisher.Statistics.DatagramsOut;

        publisher.PublishLocalRefs(repo200.RepoId, "c0ffee");

        // Nodes 1 and 2 serve it (node 3 serves other projects): one datagram each, sent before any time passes.
        Assert.Equal(2, publisher.Statistics.DatagramsOut - sent);
        cluster.Run(TimeSpan.FromMilliseconds(2));
        var version = publisher.LocalRepos[200].RefsVersion;
        Assert.True(version > repo200.RefsVersion);
        foreach (var sharing in nodes.Skip(1).Take(2))
        {
            var seen = sharing.Current.Find(publisher.LocalId)!.FindRepo(repo200.RepoId)!;
            Assert.Equal(("c0ffee", version), (seen.RefsDigest, seen.RefsVersion));
        }

        Assert.InRange(cluster.Network.LargestDatagram, 1, MaxDatagram);
    }

    [Fact]
    public async Task SetLocalRepos_OneAddedOneRemovedAtRuntime_EveryMemberSeesBothWithinAGossipRound()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 47);
        var nodes = await StartWithReposAsync(cluster);
        Assert.NotNull(cluster.RunUntil(() => AllSeeAllRepos(nodes), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50)));
        var owner = nodes[0];
        var removed = owner.LocalRepos[5];
        var added = new RepoAnnouncement("brand-new", "brand-new", "/brand-new", "aa", 1);
        var requests = nodes.Sum(n => n.Statistics.RepoRequests);

        owner.SetLocalRepos([.. owner.LocalRepos.Where(r => r != removed), added]);

        var others = nodes.Skip(1).ToList();
        var took = cluster.RunUntil(
            () => others.All(o => o.Current.Find(owner.LocalId) is { } m && m.FindRepo(added.RepoId) is not null && m.FindRepo(removed.RepoId) is null),
            TimeSpan.FromSeconds(1),
            TimeSpan.FromMilliseconds(1));

        // One gossip interval (20 ms in FastTest) and a delivery: learned from the statements, nobody had to ask.
        Assert.True(took <= TimeSpan.FromMilliseconds(25), $"took {took}");
        Assert.Equal(requests, nodes.Sum(n => n.Statistics.RepoRequests));
        Assert.All(others, o => Assert.Equal(256, o.Current.Find(owner.LocalId)!.Repos.Length));
        Assert.True(AllSeeAllRepos(nodes), Describe(nodes));
    }

    [Fact]
    public async Task Repo_StatementFromBeforeItsRemovalRelayedLate_DoesNotBringItBack()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 53);
        var nodes = await StartWithReposAsync(cluster);
        Assert.NotNull(cluster.RunUntil(() => AllSeeAllRepos(nodes), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50)));
        var owner = nodes[0];
        var removed = owner.LocalRepos[5];

        // A genuine statement of the repository, signed by the owner before the removal (as a relay captured it).
        var stale = HandMadeGossip.SignedRepo(cluster.IdentityOf(owner), WireValidation.ToWire(removed), owner.RepoSetVersion);
        owner.SetLocalRepos([.. owner.LocalRepos.Where(r => r != removed)]);
        Assert.NotNull(cluster.RunUntil(() => nodes.Skip(1).All(o => o.Current.Find(owner.LocalId)!.FindRepo(removed.RepoId) is null), TimeSpan.FromSeconds(1)));

        using var relayIdentity = NodeIdentity.LoadOrCreate(Path.Combine(_root, "relay"));
        var relay = cluster.Network.CreateTransport();
        foreach (var target in nodes.Skip(1))
        {
            relay.Send(target.LocalEndPoint, HandMadeGossip.Encode(relayIdentity.Id, new GossipMessage { Updates = [stale] }));
            relay.Send(target.LocalEndPoint, HandMadeGossip.Encode(relayIdentity.Id, new RepoListMessage { Statements = [stale] }));
        }

        // Long enough for any relay of it and a push-pull round (3 s in FastTest).
        for (var i = 0; i < 400; i++)
        {
            cluster.Run(TimeSpan.FromMilliseconds(10));
            Assert.All(nodes.Skip(1), o => Assert.Null(o.Current.Find(owner.LocalId)!.FindRepo(removed.RepoId)));
        }

        Assert.All(nodes.Skip(1), o => Assert.Equal(255, o.Current.Find(owner.LocalId)!.Repos.Length));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the owner stays at 256: the addition takes the removed one's place
    public async Task Repo_RemovalMissedInAPartition_SweptOnceTheSetIsAskedFor(bool addOne)
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 59);
        var nodes = await StartWithReposAsync(cluster);
        Assert.NotNull(cluster.RunUntil(() => AllSeeAllRepos(nodes), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50)));
        var owner = nodes[0];
        var away = nodes[3];
        var removed = owner.LocalRepos[7];
        var added = new RepoAnnouncement("while-away", "while-away", "/while-away", "bb", 1);

        cluster.Network.Partition([away.LocalEndPoint]);
        owner.SetLocalRepos([.. owner.LocalRepos.Where(r => r != removed), .. addOne ? [added] : Array.Empty<RepoAnnouncement>()]);
        cluster.Run(TimeSpan.FromSeconds(2));
        Assert.NotNull(away.Current.Find(owner.LocalId)!.FindRepo(removed.RepoId));
        var requests = away.Statistics.RepoRequests;
        cluster.Network.Heal();

        var took = cluster.RunUntil(
            () => away.Current.Find(owner.LocalId) is { State: MemberState.Alive } m && m.FindRepo(removed.RepoId) is null && (m.FindRepo(added.RepoId) is not null) == addOne,
            TimeSpan.FromSeconds(20),
            TimeSpan.FromMilliseconds(10));

        Assert.True(took is not null, Describe(nodes));
        Assert.True(away.Statistics.RepoRequests > requests, "the set came from a request");
        Assert.True(AllSeeAllRepos(nodes), Describe(nodes));
    }

    [Fact]
    public async Task Alive_MemberAdvertises1000Repos_CappedAt256AndCountedNoEndlessRequests()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 61);
        var node = await cluster.AddNodeAsync();
        using var greedy = NodeIdentity.LoadOrCreate(Path.Combine(_root, "greedy"));
        var raw = ChallengeResponder.Attach(cluster.Network, greedy);
        var repos = Enumerable.Range(0, 1000).Select(i => Wire(Repo("greedy-" + Index(i), "00", 1))).ToArray();
        var alive = HandMadeGossip.SignedAlive(greedy, raw.LocalEndPoint.Address.GetAddressBytes(), raw.LocalEndPoint.Port, 5, "greedy", 9418, repos);

        raw.Send(node.LocalEndPoint, HandMadeGossip.Encode(greedy.Id, new GossipMessage { Updates = [alive] }));
        foreach (var chunk in HandMadeGossip.SignedRepos(greedy, repos).Chunk(5))
        {
            raw.Send(node.LocalEndPoint, HandMadeGossip.Encode(greedy.Id, new GossipMessage { Updates = chunk }));
        }

        cluster.Run(TimeSpan.FromSeconds(2));

        var member = node.Current.Find(greedy.Id)!;
        Assert.Equal(256, member.Repos.Length);
        Assert.Equal(256, node.Table.Get(greedy.Id)!.RepoState.Marks.Count);
        Assert.Equal(1000 - 256 + 1, node.Statistics.DropsFor(DropReason.RepoCap));
        Assert.Equal(0, node.Statistics.RepoRequests);
    }

    [Fact]
    public async Task RepoRequest_FromAStranger_RefusedAndCounted()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 67);
        var node = await cluster.AddNodeAsync();
        node.SetLocalRepos(Repos("own", 256, "aa"));
        using var stranger = NodeIdentity.LoadOrCreate(Path.Combine(_root, "stranger"));
        var raw = cluster.Network.CreateTransport();
        var answers = 0;
        raw.Start(_ => answers++);

        raw.Send(node.LocalEndPoint, HandMadeGossip.Encode(stranger.Id, new RepoRequestMessage()));
        cluster.Run(TimeSpan.FromMilliseconds(5));

        Assert.Equal(0, answers);
        Assert.Equal(1, node.Statistics.DropsFor(DropReason.RepoRequestRefused));
    }

    [Fact]
    public async Task SetLocalRepos_TwoReposAtOnePath_RefusedNothingChanged()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        node.SetLocalRepos([Repo("shop", "", 0)]);

        var error = Assert.Throws<ArgumentException>(() => node.SetLocalRepos([Repo("a", "", 0) with { Path = "/shop" }, Repo("b", "", 0) with { Path = "/shop" }]));

        Assert.Contains("listed twice", error.Message, StringComparison.Ordinal);
        Assert.Equal("shop", Assert.Single(node.LocalRepos).RepoId);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>
    /// Four nodes on fake time, each given its repositories before it joins (as <c>up</c> does): nodes 0-2 serve the
    /// same 256 projects (refs of their own), node 3 serves 256 others.
    /// </summary>
    private static async Task<List<MeshNode>> StartWithReposAsync(MeshCluster cluster)
    {
        var nodes = new List<MeshNode>();
        for (var i = 0; i < 4; i++)
        {
            var node = await cluster.AddNodeAsync();
            node.SetLocalRepos(Repos(i < 3 ? "shared" : "other", 256, "0" + i.ToString(CultureInfo.InvariantCulture)));
            if (nodes.Count > 0)
            {
                node.OfferCandidate(nodes[0].LocalEndPoint, DiscoverySource.Seed);
            }

            nodes.Add(node);
        }

        return nodes;
    }

    private static List<RepoAnnouncement> Repos(string prefix, int count, string digest) =>
        Enumerable.Range(0, count).Select(i => Repo(prefix + "-" + Index(i), digest, 1)).ToList();

    private static RepoAnnouncement Repo(string id, string digest, long version) => new(id, id, "/" + id, digest, version);

    private static WireRepo Wire(RepoAnnouncement repo) => WireValidation.ToWire(repo);

    private static string Index(int i) => i.ToString("000", CultureInfo.InvariantCulture);

    /// <summary>Every node holds every other node's repositories exactly (ids, paths, refs digests and versions).</summary>
    private static bool AllSeeAllRepos(IReadOnlyList<MeshNode> nodes)
    {
        foreach (var owner in nodes)
        {
            var local = owner.LocalRepos.ToDictionary(r => r.RepoId);
            foreach (var observer in nodes.Where(n => n != owner))
            {
                var seen = observer.Current.Find(owner.LocalId);
                if (seen is not { State: MemberState.Alive } || seen.Repos.Length != local.Count
                    || !seen.Repos.All(r => local.TryGetValue(r.RepoId, out var mine) && mine == r))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static string Describe(IReadOnlyList<MeshNode> nodes) =>
        string.Join("; ", nodes.Select(n => $"{n.Name}: " + string.Join(", ", n.Current.Members.Select(m => $"{m.Name} {m.State} {m.Repos.Length}"))
            + $" requests={n.Statistics.RepoRequests} drops={string.Join(",", n.Statistics.Drops)}"));
}
