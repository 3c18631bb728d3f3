using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Wire;
using PeerMesh.TestSupport.Mesh;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.EndToEnd.Tests.Hostile;

/// <summary>
/// HOSTILE-INPUTS 9 with real processes bound to every address, as by default: they advertise no address,
/// so each proves where it is to the other; an announcement of another node sent from another address
/// never puts that address into anyone's remotes.
/// </summary>
public sealed class SpoofedIdentityEndToEndTests : IAsyncDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);
    private readonly LoopbackMesh _mesh = new();
    private readonly string _victimKeys = Path.Combine(Path.GetTempPath(), "peermesh-victim-" + Guid.NewGuid().ToString("N"));

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        await _mesh.DisposeAsync();
        if (Directory.Exists(_victimKeys))
        {
            Directory.Delete(_victimKeys, recursive: true);
        }
    }

    [Fact]
    public async Task Up_OnEveryAddress_PeersProveTheirAddressesAndACommitArrives()
    {
        var repoA = _mesh.Clone("alice");
        var a = _mesh.Start(repoA, "alice", anyAddress: true);
        var repoB = _mesh.Clone("bob");
        var b = _mesh.Start(repoB, "bob", await LoopbackMesh.GossipPortAsync(a, Token), anyAddress: true);
        await a.WaitForStatusAsync(s => PeerNames(s).Contains("bob"), s_deadline, Token);

        var commit = repoB.Commit("from bob");

        await _mesh.UntilAsync(() => repoA.TryRevParse("refs/remotes/bob/main") == commit, "bob's commit at alice", s_deadline, Token);
        Assert.StartsWith("git://127.0.0.1:", repoA.Git("config", "remote.bob.url").Trim());
        var status = await a.WaitForStatusAsync(_ => true, s_deadline, Token);
        Assert.Null(status["gossip"]?["drops"]?["unproven-address"]);
        await b.WaitForStatusAsync(s => PeerNames(s).Contains("alice"), s_deadline, Token);
    }

    [Fact]
    public async Task SignedAnnouncementOfAnotherNode_SentFromAnotherAddress_NeverInRemotesAndCounted()
    {
        var repo = _mesh.Clone("bob");
        var node = _mesh.Start(repo, "bob", anyAddress: true);
        var status = await node.WaitUntilUpAsync(Token);
        var target = new IPEndPoint(IPAddress.Loopback, (int)status["node"]!["gossipPort"]!);

        // The attacker holds a signed announcement of a node that serves the same project (captured on the
        // LAN; made here with that node's key) and sends it from 127.0.0.3, claiming to be that node.
        using var victim = NodeIdentity.LoadOrCreate(_victimKeys);
        using var attacker = new UdpClient(new IPEndPoint(IPAddress.Parse("127.0.0.3"), 0));
        var attackerPort = ((IPEndPoint)attacker.Client.LocalEndPoint!).Port;
        WireRepo[] repos = [new() { RepoId = (string)status["repos"]![0]!["id"]!, Name = "repo", Path = "/", RefsDigest = "", RefsVersion = 1 }];
        var alive = HandMadeGossip.SignedAlive(victim, IPAddress.Any.GetAddressBytes(), attackerPort, 1, "carol", attackerPort, repos);
        var datagram = HandMadeGossip.Encode(victim.Id, new GossipMessage { Updates = [alive, .. HandMadeGossip.SignedRepos(victim, repos)] });

        for (var i = 0; i < 20; i++)
        {
            await attacker.SendAsync(datagram, target, Token);
            await Task.Delay(250, Token);
        }

        // Eight tries over 8 s (LAN timing) before the address is given up.
        status = await node.WaitForStatusAsync(s => (long?)s["gossip"]?["drops"]?["unproven-address"] >= 1, s_deadline, Token);
        Assert.DoesNotContain("carol", PeerNames(status));
        Assert.DoesNotContain("127.0.0.3", repo.Git("config", "--list"));
    }

    private static List<string> PeerNames(JsonNode status) =>
        status["peers"]!.AsArray().Select(p => (string)p!["name"]!).ToList();
}
