using System.Text.Json.Nodes;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.EndToEnd.Tests;

/// <summary>
/// Several real <c>peermesh up</c> processes on loopback, joined by static seeds (no mDNS), each in
/// its own clone of one project: gossip membership and sync end to end.
/// </summary>
public sealed class LoopbackMeshTests : IAsyncDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);
    private readonly LoopbackMesh _mesh = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _mesh.DisposeAsync();

    [Fact]
    public async Task Up_ThreeNodesChainedBySeeds_AllListEachOtherAliveAndSeeACrash()
    {
        var (a, _) = await StartAsync("alice");
        var (b, _) = await StartAsync("bob", a);
        var (c, _) = await StartAsync("carol", b);

        foreach (var node in new[] { a, b, c })
        {
            await node.WaitForStatusAsync(s => AlivePeers(s).Count == 2, s_deadline, Token);
        }

        var viaSeed = await b.WaitForStatusAsync(_ => true, s_deadline, Token);
        Assert.Contains("seed", Peer(viaSeed, "alice")!["foundBy"]!.AsArray().Select(x => (string)x!));

        c.KillHard();

        await a.WaitForStatusAsync(s => (string?)Peer(s, "carol")?["state"] is "dead" or "suspect" && !AlivePeers(s).Contains("carol"), TimeSpan.FromSeconds(10), Token);
        await b.WaitForStatusAsync(s => !AlivePeers(s).Contains("carol"), TimeSpan.FromSeconds(10), Token);
    }

    [Fact]
    public async Task Up_DifferentMeshKeys_NeverListEachOther()
    {
        var keyA = WriteKey("key-a");
        var keyB = WriteKey("key-b");
        var (a, _) = await StartAsync("alice", extra: ["--mesh-key-file", keyA]);
        var (b, _) = await StartAsync("bob", a, extra: ["--mesh-key-file", keyB]);
        var (c, _) = await StartAsync("carol", a, extra: ["--mesh-key-file", keyA]);

        // carol shares alice's key and joins; bob never does, and his datagrams are counted as dropped.
        await c.WaitForStatusAsync(s => AlivePeers(s).Contains("alice"), s_deadline, Token);
        var status = await a.WaitForStatusAsync(s => (long?)s["gossip"]?["drops"]?["key-mismatch"] > 0, s_deadline, Token);
        Assert.Equal("sealed", (string)status["node"]!["mesh"]!);
        Assert.DoesNotContain("bob", AllPeers(status));
        Assert.Empty(AllPeers(await b.WaitForStatusAsync(_ => true, s_deadline, Token)));

        // Gossip bytes are in the status too (the soak benchmark reads them): every datagram is more than its 28-byte header.
        var gossip = status["gossip"]!;
        Assert.True((long)gossip["bytesIn"]! > 28 * (long)gossip["datagramsIn"]!, gossip.ToJsonString());
        Assert.True((long)gossip["bytesOut"]! > 28 * (long)gossip["datagramsOut"]!, gossip.ToJsonString());
    }

    [Fact]
    public async Task Up_KeyRotationInProgress_OldAndNewKeyOrderStillTalk()
    {
        var oldKey = WriteKey("key-old");
        var newKey = WriteKey("key-new");
        // alice still seals with the old key but accepts the new one; bob already seals with the new one.
        var (a, _) = await StartAsync("alice", extra: ["--mesh-key-file", oldKey, "--mesh-key-file", newKey]);
        var (b, _) = await StartAsync("bob", a, extra: ["--mesh-key-file", newKey, "--mesh-key-file", oldKey]);

        await a.WaitForStatusAsync(s => AlivePeers(s).Contains("bob"), s_deadline, Token);
        await b.WaitForStatusAsync(s => AlivePeers(s).Contains("alice"), s_deadline, Token);
    }

    [Fact]
    public async Task Sync_CommitAndBranch_ReachPeersTrackingRefsAndNothingLocalChanges()
    {
        var (a, repoA) = await StartAsync("alice");
        var (b, repoB) = await StartAsync("bob", a);
        var (c, repoC) = await StartAsync("carol", a);
        foreach (var node in new[] { a, b, c })
        {
            await node.WaitForStatusAsync(s => AlivePeers(s).Count == 2, s_deadline, Token);
        }

        var before = new[] { repoB, repoC }.Select(r => (Refs: r.LocalRefs(), Head: r.Head(), Tree: r.Git("status", "--porcelain"), Index: File.ReadAllBytes(Path.Combine(r.GitDirectory, "index")))).ToList();

        var aliceId = (string)(await a.WaitUntilUpAsync(Token))["node"]!["id"]!;
        var commit = repoA.Commit("alice's work");

        await Until(() => repoB.TryRevParse("refs/remotes/alice/main") == commit && repoC.TryRevParse("refs/remotes/alice/main") == commit, "alice's commit reaches bob and carol");
        for (var i = 0; i < 2; i++)
        {
            var repo = new[] { repoB, repoC }[i];
            Assert.Equal(before[i].Refs, repo.LocalRefs());
            Assert.Equal(before[i].Head, repo.Head());
            Assert.Equal(before[i].Tree, repo.Git("status", "--porcelain"));
            Assert.Equal(before[i].Index, await File.ReadAllBytesAsync(Path.Combine(repo.GitDirectory, "index"), Token));
            Assert.Equal(aliceId, repo.Git("config", "--get", "remote.alice.peermeshNode").Trim());
        }

        await Until(() => b.Log.Contains("fetched 1 new commit on main from alice", StringComparison.Ordinal), "bob's log says what arrived");
        var status = await b.WaitForStatusAsync(s => AheadOf(s, "alice", "main") == 1, s_deadline, Token);
        Assert.Equal(0, (int)Branch(status, "alice", "main")!["behind"]!);

        var branchCommit = repoB.Commit("bob's feature", branch: "feature/bob");
        await Until(() => repoA.TryRevParse("refs/remotes/bob/feature/bob") == branchCommit, "bob's new branch reaches alice");
        Assert.Null(repoA.TryRevParse("refs/heads/feature/bob"));
    }

    [Fact]
    public async Task Trust_AliceTrustsOnlyBob_BobsCommitArrivesCarolsNeverAndCarolHasNoRemote()
    {
        var (b, repoB) = await StartAsync("bob");
        var bobId = (string)(await b.WaitUntilUpAsync(Token))["node"]!["id"]!;
        var repoA = _mesh.Clone("alice");
        repoA.Git("config", "--add", "peermesh.trust", bobId.ToUpperInvariant());
        var a = _mesh.Start(repoA, "alice", await LoopbackMesh.GossipPortAsync(b, Token));
        await a.WaitUntilUpAsync(Token);
        var (c, repoC) = await StartAsync("carol", b);
        var carolUp = await c.WaitUntilUpAsync(Token);
        var carolPort = (int)carolUp["serving"]!["port"]!;
        var carolId = (string)carolUp["node"]!["id"]!;
        foreach (var node in new[] { a, b, c })
        {
            await node.WaitForStatusAsync(s => AlivePeers(s).Count == 2, s_deadline, Token);
        }

        // carol's commit first: once bob (who trusts everyone) has it, alice has heard carol's announcement too.
        var carolCommit = repoC.Commit("carol's work");
        await Until(() => repoB.TryRevParse("refs/remotes/carol/main") == carolCommit, "carol's commit reaches bob");
        var bobCommit = repoB.Commit("bob's work");
        await Until(() => repoA.TryRevParse("refs/remotes/bob/main") == bobCommit, "bob's commit reaches alice");
        var status = await a.WaitForStatusAsync(s => Peer(s, "carol")?["trusted"] is not null, s_deadline, Token);
        var (fetchCode, fetchOut, fetchErr) = await PeerMeshCli.RunAsync(repoA.Path, ["fetch", "carol"], Token);

        Assert.Null(repoA.TryRevParse("refs/remotes/carol/main"));
        Assert.Null(repoA.TryRevParse(carolCommit + "^{commit}")); // not even relayed by bob, who holds carol's statement
        Assert.DoesNotContain(carolId, repoA.Git("for-each-ref", "--format=%(refname)", "refs/peermesh/"), StringComparison.Ordinal);
        var remotes = repoA.Git("remote", "-v");
        Assert.DoesNotContain("carol", remotes, StringComparison.Ordinal);
        Assert.DoesNotContain($":{carolPort}/", remotes, StringComparison.Ordinal);
        Assert.False((bool)Peer(status, "carol")!["trusted"]!);
        Assert.True((bool)Peer(status, "bob")!["trusted"]!);
        Assert.Equal([bobId], status["node"]!["trust"]!.AsArray().Select(x => (string)x!));
        Assert.Equal(1, fetchCode);
        Assert.Equal($"carol: failed: not trusted: node {(string)Peer(status, "carol")!["id"]!} is not in peermesh.trust", fetchOut.TrimEnd() + fetchErr);
        var (_, table, _) = await PeerMeshCli.RunAsync(repoA.Path, ["status"], Token);
        Assert.Contains(bobId, table, StringComparison.Ordinal);
        Assert.Contains("not trusted", table, StringComparison.Ordinal); // the cell wraps at the 80 columns of a pipe
    }

    [Fact]
    public async Task Up_InvalidTrustValue_Exits2WithOneLineError()
    {
        var repo = _mesh.Clone("dave");
        repo.Git("config", "peermesh.trust", "nonsense");

        var (code, stdout, stderr) = await PeerMeshCli.RunAsync(repo.Path, ["up", .. LoopbackMesh.NodeFlags], Token);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal(
            "peermesh: invalid peermesh.trust 'nonsense': expected a node id of 32 hex characters (peermesh status shows each peer's id)",
            stderr.TrimEnd('\n'));
    }

    private Task<(NodeProcess Node, TempRepository Repo)> StartAsync(string name, NodeProcess? seed = null, string[]? extra = null) =>
        _mesh.StartCloneAsync(name, seed, extra, Token);

    private string WriteKey(string content)
    {
        var path = Path.Combine(_mesh.Origin.Root, content);
        File.WriteAllText(path, content + "-0123456789abcdef0123456789abcdef");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private static List<string> AllPeers(JsonNode status) => [.. status["peers"]!.AsArray().Select(p => (string)p!["name"]!)];

    private static List<string> AlivePeers(JsonNode status) =>
        [.. status["peers"]!.AsArray().Where(p => (string?)p!["state"] == "alive").Select(p => (string)p!["name"]!)];

    private static JsonNode? Peer(JsonNode status, string name) => status["peers"]!.AsArray().FirstOrDefault(p => (string?)p!["name"] == name);

    private static JsonNode? Branch(JsonNode status, string peer, string branch) =>
        Peer(status, peer)?["remotes"]?.AsArray().SelectMany(r => r!["branches"]!.AsArray()).FirstOrDefault(b => (string?)b!["name"] == branch);

    private static int? AheadOf(JsonNode status, string peer, string branch) => (int?)Branch(status, peer, branch)?["ahead"];

    private Task Until(Func<bool> condition, string what) => _mesh.UntilAsync(condition, what, s_deadline, Token);
}
