using System.Text.Json.Nodes;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.EndToEnd.Tests.Hostile;

/// <summary>
/// HOSTILE-INPUTS 35 with the real executable on loopback: a node's repository is moved away while it runs.
/// The node keeps running and gossiping, its status (asked in the repository's new place, where the control
/// socket moved along with <c>.git/peermesh/</c>) names the repository error, and once the repository is back
/// syncing resumes.
/// </summary>
public sealed class RepositoryMovedTests : IAsyncDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);
    private readonly LoopbackMesh _mesh = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _mesh.DisposeAsync();

    /// <param name="longPath">
    /// A work tree path so long that the control socket is in the runtime directory, named after a hash of the
    /// original place: status in the new place finds it through <c>.git/peermesh/control.path</c>.
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Up_RepositoryMovedAwayAndBack_NodeKeepsGossipingStatusNamesTheErrorSyncResumes(bool longPath)
    {
        var repoA = _mesh.Clone(longPath ? Path.Combine(new string('x', 120), "alice") : "alice");
        var a = _mesh.Start(repoA, "alice");
        await a.WaitUntilUpAsync(Token);
        Assert.Equal(longPath, File.Exists(Path.Combine(repoA.GitDirectory, "peermesh", "control.path")));
        var (b, repoB) = await _mesh.StartCloneAsync("bob", a, null, Token);
        await a.WaitForStatusAsync(s => AlivePeers(s).Contains("bob"), s_deadline, Token);
        await b.WaitForStatusAsync(s => AlivePeers(s).Contains("alice"), s_deadline, Token);
        var first = repoB.Commit("before the move");
        await Until(() => repoA.TryRevParse("refs/remotes/bob/main") == first, "bob's first commit reaches alice");

        var moved = repoA.Path + "-moved";
        Directory.Move(repoA.Path, moved);
        try
        {
            // bob commits while alice's repository is away: alice's fetch fails on her side, not bob's.
            repoB.Commit("while alice's repository is away");
            var status = await WaitForStatusAtAsync(
                moved,
                s => s["repos"]?[0]?["error"] is not null && LastFetchError(s, "bob") is not null,
                "alice's status names the repository error");
            Assert.Equal($"repository not found at {repoA.Path} (moved or deleted?)", (string?)status["repos"]![0]!["error"]);
            Assert.StartsWith("local repository not found", LastFetchError(status, "bob"), StringComparison.Ordinal);

            // Several probe intervals (1 s each) later alice is still running and bob still sees her alive.
            for (var i = 0; i < 6; i++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), Token);
                Assert.False(a.Process.HasExited, "alice's node exited:\n" + a.Log);
                Assert.Contains("alice", AlivePeers(await b.WaitForStatusAsync(_ => true, s_deadline, Token)));
            }

            Assert.False(Directory.Exists(repoA.Path), "the node recreated the repository's folder");
        }
        finally
        {
            Directory.Move(moved, repoA.Path);
        }

        // Back in place: the error clears and bob's next commit (and the one made meanwhile) arrive.
        var after = repoB.Commit("after alice's repository is back");
        await Until(() => repoA.TryRevParse("refs/remotes/bob/main") == after, "bob's commit reaches alice after the move back");
        var back = await a.WaitForStatusAsync(s => s["repos"]?[0]?["error"] is null, s_deadline, Token);
        Assert.Contains("bob", AlivePeers(back));
        Assert.False(a.Process.HasExited);
    }

    /// <summary>
    /// Stopped while its repository is away, the node cannot delete its control socket (the folder went with the
    /// repository): it still stops cleanly and the rest of the stop runs, so its peers see it leave.
    /// </summary>
    [Fact]
    public async Task Up_SigtermWhileRepositoryMovedAway_Exits0AndPeersSeeItLeave()
    {
        var repoA = _mesh.Clone("alice");
        var a = _mesh.Start(repoA, "alice");
        await a.WaitUntilUpAsync(Token);
        var (b, _) = await _mesh.StartCloneAsync("bob", a, null, Token);
        await b.WaitForStatusAsync(s => AlivePeers(s).Contains("alice"), s_deadline, Token);

        var moved = repoA.Path + "-moved";
        Directory.Move(repoA.Path, moved);
        try
        {
            await a.SignalAsync("TERM", group: false, Token);
            await a.Process.WaitForExitAsync(Token).WaitAsync(s_deadline, Token);

            Assert.True(a.Process.ExitCode == 0, $"exit {a.Process.ExitCode}:\n{a.Log}");
            Assert.DoesNotContain("Unhandled", a.Log, StringComparison.Ordinal);
            // Left, not suspect or dead: the leave was sent, so the stop went past the control socket.
            await b.WaitForStatusAsync(s => (string?)Peer(s, "alice")?["state"] == "left", s_deadline, Token);
        }
        finally
        {
            Directory.Move(moved, repoA.Path);
        }
    }

    /// <summary>Polls <c>peermesh status --json</c> run in <paramref name="directory"/> (the repository's new place).</summary>
    private async Task<JsonNode> WaitForStatusAtAsync(string directory, Func<JsonNode, bool> condition, string what)
    {
        JsonNode? last = null;
        await Poll.UntilAsync(
            what,
            async ct => (last = await PeerMeshCli.StatusAsync(directory, ct)) is { } status && condition(status),
            s_deadline,
            Token,
            TimeSpan.FromMilliseconds(200),
            () => $"last status: {last?.ToJsonString() ?? "none"}\n" + string.Join("\n---\n", _mesh.Nodes.Select(n => n.Log)));
        return last!;
    }

    private static List<string> AlivePeers(JsonNode status) =>
        [.. status["peers"]!.AsArray().Where(p => (string?)p!["state"] == "alive").Select(p => (string)p!["name"]!)];

    private static JsonNode? Peer(JsonNode status, string name) => status["peers"]!.AsArray().FirstOrDefault(p => (string?)p!["name"] == name);

    private static string? LastFetchError(JsonNode status, string name) =>
        (string?)Peer(status, name)?["remotes"]?[0]?["lastFetch"]?["error"];

    private Task Until(Func<bool> condition, string what) => _mesh.UntilAsync(condition, what, s_deadline, Token);
}
