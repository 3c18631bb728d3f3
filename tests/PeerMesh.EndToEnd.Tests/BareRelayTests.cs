using System.Text.Json.Nodes;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.EndToEnd.Tests;

/// <summary>
/// An always-on relay (issue 14): <c>peermesh up</c> in a bare repository (<c>git clone --bare</c>) serves and relays
/// the verified work of others between two nodes that never meet, and its own branches are never written.
/// Real <c>peermesh up</c> processes on loopback, joined by seeds only.
/// </summary>
public sealed class BareRelayTests : IAsyncDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);
    private readonly LoopbackMesh _mesh = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _mesh.DisposeAsync();

    [Fact]
    public async Task Up_BareRepositoryBetweenTwoNodesThatNeverMeet_RelaysAlicesVerifiedWorkToCarolOwnBranchesUntouched()
    {
        var holder = _mesh.Clone("holder");
        var bare = Path.Combine(holder.Root, "relay.git");
        GitCli.Run(holder.Root, "clone", "-q", "--bare", _mesh.Origin.Path, bare);
        var relayBranches = GitCli.Run(bare, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads");
        await using var relay = NodeProcess.Start(bare, [.. LoopbackMesh.NodeFlags, "--name", "relay"]);
        var relayUp = await relay.WaitUntilUpAsync(Token);
        Assert.Equal(bare, (string)relayUp["repos"]![0]!["localPath"]!);
        Assert.Equal($"git://127.0.0.1:{(int)relayUp["serving"]!["port"]!}/relay", (string)relayUp["repos"]![0]!["url"]!);

        // alice, seeded only to the relay, commits; the relay takes it; alice leaves before carol ever starts.
        var (a, repoA) = await _mesh.StartCloneAsync("alice", relay, null, Token);
        var aliceId = (string)(await a.WaitUntilUpAsync(Token))["node"]!["id"]!;
        await relay.WaitForStatusAsync(s => Alive(s, "alice"), s_deadline, Token);
        var commit = repoA.Commit("alice's work");
        await Until(() => GitCli.TryRun(bare, "rev-parse", "--verify", "-q", $"refs/peermesh/{aliceId}/heads/main").Stdout.Trim() == commit, "alice's commit reaches the relay, verified");
        Assert.Equal(commit, GitCli.Run(bare, "rev-parse", "refs/remotes/alice/main").Trim());
        var (downCode, _, downErr) = await a.RunAsync(["down", "--all"], Token);
        Assert.True(downCode == 0, downErr);
        await a.Process.WaitForExitAsync(Token);

        var (c, repoC) = await _mesh.StartCloneAsync("carol", relay, null, Token);

        await Until(() => repoC.TryRevParse("refs/remotes/alice/main") == commit, "alice's commit reaches carol through the relay");
        Assert.Equal(aliceId, repoC.Git("config", "--get", "remote.alice.peermeshNode").Trim());
        Assert.Equal("none", repoC.Git("config", "--default", "none", "--get", "remote.alice.url").Trim()); // carol never reached alice
        var status = await c.WaitForStatusAsync(s => Peer(s, "alice")?["via"] is not null, s_deadline, Token);
        Assert.Equal(["relay"], Peer(status, "alice")!["via"]!.AsArray().Select(v => (string)v!));
        Assert.Equal(relayBranches, GitCli.Run(bare, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads"));
        Assert.Equal("", GitCli.Run(bare, "fsck", "--strict", "--no-progress", "--no-dangling").Trim());
    }

    private static JsonNode? Peer(JsonNode status, string name) => status["peers"]!.AsArray().FirstOrDefault(p => (string?)p!["name"] == name);

    private static bool Alive(JsonNode status, string name) =>
        status["peers"]!.AsArray().Any(p => (string?)p!["name"] == name && (string?)p["state"] == "alive");

    private Task Until(Func<bool> condition, string what) => _mesh.UntilAsync(condition, what, s_deadline, Token);
}
