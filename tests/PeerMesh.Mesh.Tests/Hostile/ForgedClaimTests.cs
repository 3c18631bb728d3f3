using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Options;
using PeerMesh.Mesh.Transport;
using PeerMesh.Mesh.Wire;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Mesh.Tests.Hostile;

/// <summary>
/// HOSTILE 46 on <see cref="MeshNode"/>: suspect and dead claims (and alives and leaves) sent by hand to one node of
/// four, with absurd or plausible incarnations, unsigned, signed by a stranger or by a member. The named node must stay
/// alive everywhere, its incarnation must never wrap, and each refused claim is a counted drop.
/// </summary>
public sealed class ForgedClaimTests : IDisposable
{
    /// <summary>FastTest: probe 100 ms, suspicion at most 2.4 s: 30 s is 300 probe periods and a dozen suspicion timeouts.</summary>
    private static readonly TimeSpan s_watch = TimeSpan.FromSeconds(30);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "peermesh-claims-" + Guid.NewGuid().ToString("N"));
    private readonly NodeIdentity _mallory;
    private readonly NodeIdentity _stranger;

    public ForgedClaimTests()
    {
        _mallory = NodeIdentity.LoadOrCreate(Path.Combine(_root, "mallory"));
        _stranger = NodeIdentity.LoadOrCreate(Path.Combine(_root, "stranger"));
    }

    [Theory]
    [InlineData(UpdateKind.Suspect, false, false)]
    [InlineData(UpdateKind.Dead, false, false)]
    [InlineData(UpdateKind.Suspect, true, false)]
    [InlineData(UpdateKind.Dead, true, false)]
    [InlineData(UpdateKind.Suspect, false, true)]
    [InlineData(UpdateKind.Dead, false, true)]
    [InlineData(UpdateKind.Alive, false, false)]
    [InlineData(UpdateKind.Alive, true, false)]
    [InlineData(UpdateKind.Left, false, false)]
    [InlineData(UpdateKind.Left, true, false)]
    public async Task Claim_UnsignedMaxIncarnation_CountedDropVictimAliveEverywhereIncarnationNeverWraps(UpdateKind kind, bool toVictim, bool inPushPull)
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 46);
        var nodes = await JoinedAsync(cluster);
        var victim = nodes[1];
        var receiver = toVictim ? victim : nodes[2];
        var before = victim.Incarnation;
        // Complete but for a signature (an alive needs a name and an address to get as far as its incarnation).
        var forged = new MemberUpdate
        {
            Kind = kind,
            NodeId = victim.LocalId,
            Incarnation = long.MaxValue,
            From = _stranger.Id,
            Name = victim.Name,
            Address = [10, 46, 0, 1],
            Port = 7946,
        };

        cluster.Network.CreateTransport().Send(receiver.LocalEndPoint, Encode(_stranger.Id, forged, inPushPull));
        var watch = Watch(cluster, nodes, victim);

        Assert.Empty(watch.NotAlive);
        Assert.Equal((before, before), (watch.MinIncarnation, watch.MaxIncarnation));
        Assert.Equal(1, receiver.Statistics.DropsFor(DropReason.ImplausibleIncarnation));
        Assert.All(nodes, n => Assert.Equal(n == receiver ? 1 : 0, n.Statistics.TotalDrops));
    }

    [Theory]
    [InlineData(UpdateKind.Suspect, false)]
    [InlineData(UpdateKind.Dead, false)]
    [InlineData(UpdateKind.Suspect, true)]
    [InlineData(UpdateKind.Dead, true)]
    public async Task Claim_SignedByAMemberWithMaxIncarnation_CountedDropVictimAliveEverywhere(UpdateKind kind, bool toVictim)
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 47);
        var nodes = await JoinedAsync(cluster);
        var mallory = Admit(cluster, nodes, _mallory);
        var victim = nodes[1];
        var receiver = toVictim ? victim : nodes[2];
        var before = victim.Incarnation;

        mallory.Send(receiver.LocalEndPoint, Encode(_mallory.Id, ClaimSigning.Create(kind, victim.LocalId, long.MaxValue, _mallory), inPushPull: false));
        var watch = Watch(cluster, nodes, victim);

        Assert.Empty(watch.NotAlive);
        Assert.Equal((before, before), (watch.MinIncarnation, watch.MaxIncarnation));
        Assert.Equal(1, receiver.Statistics.DropsFor(DropReason.ImplausibleIncarnation));
    }

    [Theory]
    [InlineData(0, false, DropReason.BadSignature)]
    [InlineData(1, false, DropReason.ImplausibleIncarnation)]
    [InlineData(0, true, DropReason.BadSignature)]
    [InlineData(1, true, DropReason.BadSignature)]
    public async Task Suspect_UnsignedPlausibleIncarnation_CountedDropNoSuspicionNoRefutation(int aboveCurrent, bool toVictim, string reason)
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 48);
        var nodes = await JoinedAsync(cluster);
        var victim = nodes[1];
        var receiver = toVictim ? victim : nodes[2];
        var before = victim.Incarnation;
        var forged = new MemberUpdate { Kind = UpdateKind.Suspect, NodeId = victim.LocalId, Incarnation = before + aboveCurrent, From = nodes[3].LocalId };

        cluster.Network.CreateTransport().Send(receiver.LocalEndPoint, Encode(nodes[3].LocalId, forged, inPushPull: false));
        var watch = Watch(cluster, nodes, victim);

        Assert.Empty(watch.NotAlive);
        Assert.Equal((before, before), (watch.MinIncarnation, watch.MaxIncarnation));
        Assert.Equal(1, receiver.Statistics.DropsFor(reason));
    }

    [Fact]
    public async Task Suspect_SignedByAKeyNoMemberHas_DroppedByOthersRefutedByTheVictim()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 49);
        var nodes = await JoinedAsync(cluster);
        var victim = nodes[1];
        var before = victim.Incarnation;
        var raw = cluster.Network.CreateTransport();
        var claim = ClaimSigning.Create(UpdateKind.Suspect, victim.LocalId, before, _stranger);

        raw.Send(nodes[2].LocalEndPoint, Encode(_stranger.Id, claim, inPushPull: false));
        raw.Send(victim.LocalEndPoint, Encode(_stranger.Id, claim, inPushPull: false));
        var watch = Watch(cluster, nodes, victim);

        // Keys are free, membership is not: nobody suspects on a stranger's word; the victim refutes (one incarnation).
        Assert.Empty(watch.NotAlive);
        Assert.Equal(1, nodes[2].Statistics.DropsFor(DropReason.UnknownClaimant));
        Assert.Equal(before + 1, victim.Incarnation);
    }

    [Fact]
    public async Task Suspect_SignedByAMemberAtTheVictimsIncarnation_SuspectedThenRefutedNeverDead()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 50);
        var nodes = await JoinedAsync(cluster);
        var mallory = Admit(cluster, nodes, _mallory);
        var victim = nodes[1];
        var before = victim.Incarnation;

        mallory.Send(nodes[2].LocalEndPoint, Encode(_mallory.Id, ClaimSigning.Create(UpdateKind.Suspect, victim.LocalId, before, _mallory), inPushPull: false));
        cluster.Run(TimeSpan.FromMilliseconds(2));
        Assert.Equal(MemberState.Suspect, nodes[2].Current.Find(victim.LocalId)!.State);
        var watch = Watch(cluster, nodes, victim);

        // A member may always say it could not reach someone (SWIM): the victim refutes, and is never declared dead.
        Assert.DoesNotContain(watch.NotAlive, s => s.Contains("Dead", StringComparison.Ordinal));
        Assert.True(MeshCluster.AllSee(nodes.Where(n => n != victim), victim.LocalId, m => m is { State: MemberState.Alive, Incarnation: var i } && i == before + 1));
    }

    [Fact]
    public async Task Suspect_MemberForcesRefutationsWithoutPause_VictimNeverDeadAndItsIncarnationStaysBelieved()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 51, options: SmallLead);
        var nodes = await JoinedAsync(cluster);
        var mallory = Admit(cluster, nodes, _mallory);
        var victim = nodes[1];
        var start = cluster.Time.GetUtcNow();
        var notAlive = new List<string>();
        var elapsed = TimeSpan.Zero;

        // Every 5 ms, a signed suspicion at the victim's current incarnation: without a cap its incarnation would
        // run ahead of its clock by ~200/s and, past the others' tolerance, its refutations would be refused.
        while (elapsed < s_watch)
        {
            var claim = Encode(_mallory.Id, ClaimSigning.Create(UpdateKind.Suspect, victim.LocalId, victim.Incarnation, _mallory), inPushPull: false);
            foreach (var node in nodes)
            {
                mallory.Send(node.LocalEndPoint, claim);
            }

            cluster.Run(TimeSpan.FromMilliseconds(5));
            elapsed += TimeSpan.FromMilliseconds(5);
            notAlive.AddRange(nodes.Where(n => n != victim && n.Current.Find(victim.LocalId)?.State is not (MemberState.Alive or MemberState.Suspect)).Select(n => $"{n.Name} at {elapsed}"));
            Assert.InRange(victim.Incarnation, 0, (cluster.Time.GetUtcNow() - start).Ticks / TimeSpan.TicksPerSecond + start.ToUnixTimeSeconds() + 3);
        }

        Assert.Empty(notAlive);
        Assert.True(victim.Incarnation > start.ToUnixTimeSeconds() + 30, $"refuted up to {victim.Incarnation - start.ToUnixTimeSeconds()}");

        // Its last refutation is believed everywhere: the attack did not push it past what the others accept.
        Assert.NotNull(cluster.RunUntil(
            () => MeshCluster.AllSee(nodes.Where(n => n != victim), victim.LocalId, m => m?.State == MemberState.Alive && m.Incarnation == victim.Incarnation),
            TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public async Task Suspect_VictimAlreadyAtItsLead_RefutedWhenItsClockAllowsWithoutBeingAskedAgain()
    {
        // The victim alone with a member made by hand, which never probes: nothing tells the victim twice.
        await using var cluster = MeshCluster.WithFakeTime(seed: 53, options: SmallLead);
        var victim = await cluster.AddNodeAsync();
        var mallory = Admit(cluster, [victim], _mallory);
        cluster.RunUntil(() => cluster.Time.GetUtcNow().Millisecond == 10, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1));
        var second = cluster.Time.GetUtcNow().ToUnixTimeSeconds();

        // A claim one below the victim's cap (its clock + 2 s) takes it to the cap at once...
        mallory.Send(victim.LocalEndPoint, Encode(_mallory.Id, ClaimSigning.Create(UpdateKind.Suspect, victim.LocalId, second + 1, _mallory), inPushPull: false));
        cluster.Run(TimeSpan.FromMilliseconds(5));
        Assert.Equal(second + 2, victim.Incarnation);

        // ...so the next can only be refuted once the clock has moved on: within about a second, not at once, not never.
        mallory.Send(victim.LocalEndPoint, Encode(_mallory.Id, ClaimSigning.Create(UpdateKind.Suspect, victim.LocalId, second + 2, _mallory), inPushPull: false));
        cluster.Run(TimeSpan.FromMilliseconds(5));
        Assert.Equal(second + 2, victim.Incarnation);
        var took = cluster.RunUntil(() => victim.Incarnation == second + 3, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(1));

        Assert.NotNull(took);
        Assert.InRange(cluster.Time.GetUtcNow().ToUnixTimeSeconds(), second + 1, second + 1);
        Assert.Equal(0, victim.Statistics.DropsFor(DropReason.ImplausibleIncarnation));
    }

    [Fact]
    public async Task Claim_AboutTheVictimsPreviousLifeSignedByAMember_RefutedAboveIt()
    {
        await using var cluster = MeshCluster.WithFakeTime(seed: 52);
        var nodes = await JoinedAsync(cluster);
        var mallory = Admit(cluster, nodes, _mallory);
        var victim = nodes[1];
        var previousLife = victim.Incarnation + 50;

        mallory.Send(victim.LocalEndPoint, Encode(_mallory.Id, ClaimSigning.Create(UpdateKind.Dead, victim.LocalId, previousLife, _mallory), inPushPull: false));
        cluster.Run(TimeSpan.FromMilliseconds(2));

        Assert.Equal(previousLife + 1, victim.Incarnation);
    }

    public void Dispose()
    {
        _mallory.Dispose();
        _stranger.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>FastTest with a lead of 2 s (and a tolerance of 10 s), so that tests reach the lead quickly.</summary>
    private static MeshOptions SmallLead()
    {
        var options = MeshOptions.FastTest();
        options.MaxIncarnationLead = TimeSpan.FromSeconds(2);
        options.IncarnationTolerance = TimeSpan.FromSeconds(10);
        return options;
    }

    private static async Task<List<MeshNode>> JoinedAsync(MeshCluster cluster)
    {
        var nodes = await cluster.AddJoinedNodesAsync(4);
        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSeeEachOtherAlive(nodes), TimeSpan.FromSeconds(10)));
        return nodes;
    }

    /// <summary>A member made by hand: it answers pings as <paramref name="identity"/> and every node admitted its signed alive.</summary>
    private static InMemoryTransport Admit(MeshCluster cluster, List<MeshNode> nodes, NodeIdentity identity)
    {
        var transport = ChallengeResponder.Attach(cluster.Network, identity);
        var alive = HandMadeGossip.SignedAlive(identity, transport.LocalEndPoint.Address.GetAddressBytes(), transport.LocalEndPoint.Port, 1, "mallory");
        foreach (var node in nodes)
        {
            transport.Send(node.LocalEndPoint, HandMadeGossip.Encode(identity.Id, new GossipMessage { Updates = [alive] }));
        }

        Assert.NotNull(cluster.RunUntil(() => MeshCluster.AllSee(nodes, identity.Id, m => m?.State == MemberState.Alive), TimeSpan.FromSeconds(1)));
        return transport;
    }

    private static byte[] Encode(string senderId, MemberUpdate update, bool inPushPull) =>
        HandMadeGossip.Encode(senderId, inPushPull
            ? new PushPullMessage { ExchangeId = 7, IsReply = true, PartCount = 1, States = [update] }
            : new GossipMessage { Updates = [update] });

    /// <summary>Runs <see cref="s_watch"/> in 10 ms steps, noting every view of the victim that is not alive and its incarnation's range.</summary>
    private static Watched Watch(MeshCluster cluster, List<MeshNode> nodes, MeshNode victim)
    {
        var notAlive = new List<string>();
        var min = long.MaxValue;
        var max = long.MinValue;
        cluster.RunUntil(
            () =>
            {
                foreach (var node in nodes.Where(n => n != victim))
                {
                    var seen = node.Current.Find(victim.LocalId);
                    if (seen?.State != MemberState.Alive)
                    {
                        notAlive.Add($"{node.Name}: {seen?.State.ToString() ?? "unknown"} at {cluster.Elapsed}");
                    }
                }

                min = Math.Min(min, victim.Incarnation);
                max = Math.Max(max, victim.Incarnation);
                return false;
            },
            s_watch);
        return new Watched(notAlive, min, max);
    }

    private sealed record Watched(List<string> NotAlive, long MinIncarnation, long MaxIncarnation);
}
