using System.Net;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Wire;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Mesh.Tests.Gossip;

/// <summary>
/// Issue 12 item 14 on <see cref="MeshNode"/>: a member bound to every address (it announces none) whose address changes
/// while it runs, as a laptop changing networks. Its next signed statement, sent by itself from the new address, gets
/// that address challenged at once; on proof it moves, long before a probe could notice. The old address is crashed,
/// and the member here is a bare responder that never refutes anything: only the challenge can move it.
/// </summary>
public sealed class MeshNodeMoveTests : IDisposable
{
    private static readonly IPEndPoint s_before = new(IPAddress.Parse("10.7.0.2"), 7946);
    private static readonly IPEndPoint s_after = new(IPAddress.Parse("10.7.0.101"), 7946);
    private static readonly IPEndPoint s_elsewhere = new(IPAddress.Parse("10.7.0.66"), 7946);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "peermesh-move-" + Guid.NewGuid().ToString("N"));
    private readonly NodeIdentity _mover;

    public MeshNodeMoveTests() => _mover = NodeIdentity.LoadOrCreate(_root);

    public void Dispose()
    {
        _mover.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Repo_FreshStatementSentFromANewAddress_AddressChallengedAndMemberMovedWithinARoundTrip()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        Admit(cluster, node);

        cluster.Network.Crash(s_before);
        var after = ChallengeResponder.Attach(cluster.Network, _mover, s_after);
        after.Send(node.LocalEndPoint, Encode(SignedRepo(version: 2)));
        cluster.Run(TimeSpan.FromMilliseconds(10)); // a round trip is 2 ms here; the first probe could come after 100 ms

        var member = Assert.Single(node.Current.Members);
        Assert.Equal(s_after, member.GossipEndPoint);
        Assert.Equal(2, member.FindRepo("r1")!.RefsVersion);
        Assert.Null(member.ConflictingEndPoint);
        Assert.Equal(0, node.Statistics.Conflicts);
    }

    [Fact]
    public async Task Repo_StatementAlreadyHeldReplayedFromElsewhere_NothingChallengedMemberStays()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var before = Admit(cluster, node);
        var statement = SignedRepo(version: 2);
        before.Send(node.LocalEndPoint, Encode(statement));
        cluster.Run(TimeSpan.FromMilliseconds(10));

        // Whoever holds the statement (any member it was relayed to) sends it again from its own address.
        var replayer = cluster.Network.CreateTransport(s_elsewhere);
        replayer.Send(node.LocalEndPoint, Encode(statement));
        cluster.Run(TimeSpan.FromSeconds(2)); // all 8 tries of a challenge, had one been sent

        var member = Assert.Single(node.Current.Members);
        Assert.Equal(s_before, member.GossipEndPoint);
        Assert.Equal(0, node.Statistics.DropsFor(DropReason.UnprovenAddress));
        Assert.Null(member.ConflictingEndPoint);
    }

    [Fact]
    public async Task Repo_FreshStatementFromAnotherAddressOfAMemberThatSignsItsAddress_NotMoved()
    {
        await using var cluster = MeshCluster.WithFakeTime();
        var node = await cluster.AddNodeAsync();
        var before = ChallengeResponder.Attach(cluster.Network, _mover, s_before);
        before.Send(node.LocalEndPoint, Encode(SignedAlive(s_before), SignedRepo(version: 1)));
        cluster.Run(TimeSpan.FromMilliseconds(10));
        Assert.Equal(s_before, Assert.Single(node.Current.Members).GossipEndPoint);

        // Sent from elsewhere (a second address of the member, or a relay's socket); nothing answers pings there.
        var other = cluster.Network.CreateTransport(s_after);
        other.Send(node.LocalEndPoint, Encode(SignedRepo(version: 2)));
        cluster.Run(TimeSpan.FromSeconds(2)); // all 8 tries of a challenge, had one been sent

        var member = Assert.Single(node.Current.Members);
        Assert.Equal(s_before, member.GossipEndPoint); // its signed address wins over where a datagram came from
        Assert.Equal(2, member.FindRepo("r1")!.RefsVersion);
        Assert.Equal(0, node.Statistics.DropsFor(DropReason.UnprovenAddress)); // and is not even put in question
    }

    /// <summary>The mover, bound to every address, admitted at <see cref="s_before"/> after proving it.</summary>
    private PeerMesh.Mesh.Transport.InMemoryTransport Admit(MeshCluster cluster, MeshNode node)
    {
        var before = ChallengeResponder.Attach(cluster.Network, _mover, s_before);
        before.Send(node.LocalEndPoint, Encode(SignedAlive(new IPEndPoint(IPAddress.Any, s_before.Port))));
        cluster.Run(TimeSpan.FromMilliseconds(10));
        before.Send(node.LocalEndPoint, Encode(SignedRepo(version: 1))); // a statement counts once the member is admitted
        cluster.Run(TimeSpan.FromMilliseconds(10));
        var member = Assert.Single(node.Current.Members);
        Assert.Equal(s_before, member.GossipEndPoint);
        Assert.Equal(1, member.FindRepo("r1")!.RefsVersion);
        return before;
    }

    private MemberUpdate SignedAlive(IPEndPoint advertised) =>
        HandMadeGossip.SignedAlive(_mover, advertised.Address.GetAddressBytes(), advertised.Port, 7, "mover", gitPort: 9418, repos: [Repo(1)]);

    /// <summary>The mover's statement of its one repository at refs version <paramref name="version"/> (set version 1 throughout).</summary>
    private MemberUpdate SignedRepo(long version) => HandMadeGossip.SignedRepo(_mover, Repo(version), repoSetVersion: 1, incarnation: 7);

    private static WireRepo Repo(long version) =>
        new() { RepoId = "r1", Name = "repo", Path = "/", RefsDigest = "ab", RefsVersion = version };

    private byte[] Encode(params MemberUpdate[] updates) => HandMadeGossip.Encode(_mover.Id, new GossipMessage { Updates = updates });
}
