using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PeerMesh.TestSupport.Git;
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

        var started = Stopwatch.GetTimestamp();
        var (c, repoC) = await _mesh.StartCloneAsync("carol", b, null, Token);

        await Until(() => repoC.TryRevParse("refs/remotes/alice/main") == second, "alice's latest work reaches carol through bob");
        TestContext.Current.TestOutputHelper?.WriteLine($"newcomer holds the offline author's latest work {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms after `up` (process start included)");
        Assert.Equal(repoB.RevParse(statementRef), repoC.RevParse(statementRef));
        Assert.Equal(aliceId, repoC.Git("config", "--get", "remote.alice.peermeshNode").Trim());
        Assert.Equal("none", repoC.Git("config", "--default", "none", "--get", "remote.alice.url").Trim()); // carol never reached alice
        Assert.Equal(second, repoC.RevParse($"refs/peermesh/{aliceId}/heads/main")); // carol can relay it on
        Assert.Equal("", repoC.Git("fsck", "--strict", "--no-progress", "--no-dangling").Trim());

        var status = await c.WaitForStatusAsync(s => Peer(s, "alice")?["via"] is not null, s_deadline, Token);
        var alice = Peer(status, "alice")!;
        Assert.NotEqual("alive", (string?)alice["state"]);
        Assert.Equal(["bob"], alice["via"]!.AsArray().Select(v => (string)v!));
        Assert.True((long)alice["statement"]![0]!["seq"]! > 0);
        var (_, table, _) = await c.RunAsync(["status"], Token);
        Assert.Contains("alice (offline, via bob,", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_RelayReplaysAnOlderStatementThenAltersTheNewest_CarolRefusesEachCountsItAndKeepsAlicesNewest()
    {
        var (a, repoA) = await _mesh.StartCloneAsync("alice", null, null, Token);
        var (b, repoB) = await _mesh.StartCloneAsync("bob", a, null, Token);
        var aliceId = await IdAsync(a);
        var statementRef = $"refs/peermesh/{aliceId}/statement";
        var copyRef = $"refs/peermesh/{aliceId}/heads/main";
        await b.WaitForStatusAsync(s => Alive(s, "alice"), s_deadline, Token);
        var first = repoA.Commit("alice's first");
        // The statement ref is written last: wait for it, not for the branch.
        await Until(() => Names(repoB, statementRef, first), "alice's first commit reaches bob");
        var older = repoB.RevParse(statementRef);
        var second = repoA.Commit("alice's second");
        await Until(() => Names(repoB, statementRef, second), "alice's second commit reaches bob");
        var (downCode, _, downErr) = await a.RunAsync(["down", "--all"], Token);
        Assert.True(downCode == 0, downErr);
        await a.Process.WaitForExitAsync(Token);
        var (c, repoC) = await _mesh.StartCloneAsync("carol", b, null, Token);
        await Until(
            () => repoC.TryRevParse("refs/remotes/alice/main") == second && repoC.TryRevParse(statementRef) == repoB.TryRevParse(statementRef),
            "alice's newest statement reaches carol through bob");
        var newest = repoC.RevParse(statementRef);

        // HOSTILE 53: bob serves alice's older statement and commit again.
        repoB.Git("update-ref", statementRef, older);
        repoB.Git("update-ref", copyRef, first);
        await FetchAsync(c, "bob");
        var afterReplay = await c.WaitForStatusAsync(s => Refused(s, "older") == 1, s_deadline, Token);
        Assert.Equal(second, repoC.RevParse("refs/remotes/alice/main"));
        Assert.Equal(newest, repoC.RevParse(statementRef));
        Assert.Contains(Peer(afterReplay, "bob")!["refused"]!.AsArray(), r => (string?)r!["reason"] == "older" && (string?)r["authorName"] == "alice");

        // HOSTILE 52: bob moves alice's main to a commit of his own and alters her statement to name it, keeping her signature.
        var forged = repoB.Git("commit-tree", second + "^{tree}", "-p", second, "-m", "bob's forgery").Trim(); // on no branch of bob's
        var bytes = BlobBytes(repoB, newest);
        var at = IndexOf(bytes, Convert.FromHexString(second));
        Assert.True(at > 0);
        Convert.FromHexString(forged).CopyTo(bytes, at);
        repoB.Git("update-ref", statementRef, WriteBlob(repoB, bytes));
        repoB.Git("update-ref", copyRef, forged);
        await FetchAsync(c, "bob");
        var afterForgery = await c.WaitForStatusAsync(s => Refused(s, "bad-signature") == 1, s_deadline, Token);

        Assert.Equal(second, repoC.RevParse("refs/remotes/alice/main"));
        Assert.Equal(newest, repoC.RevParse(statementRef));
        Assert.Equal(second, repoC.RevParse(copyRef));
        Assert.Equal("", repoC.Git("for-each-ref", "--points-at", forged).Trim());
        Assert.Equal(1, Refused(afterForgery, "older"));
        Assert.Contains(Peer(afterForgery, "bob")!["refused"]!.AsArray(), r => (string?)r!["reason"] == "bad-signature");
        var (_, table, _) = await c.RunAsync(["status"], Token);
        Assert.Contains("refused alice's work served by bob: bad-signature", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_BobTakesAlicesNewsAndSignsAgain_AliceDoesNotFetchItBack()
    {
        var (a, repoA) = await _mesh.StartCloneAsync("alice", null, ["--verbose"], Token);
        var (b, repoB) = await _mesh.StartCloneAsync("bob", a, null, Token);
        var aliceStatement = $"refs/peermesh/{await IdAsync(a)}/statement";
        var bobStatement = $"refs/peermesh/{await IdAsync(b)}/statement";
        // Each may hold an older statement of the other than the other's own: each signed again when it took the
        // other's, over the same branches, and that brought the other nothing (the point of this test).
        await Until(
            () => repoB.TryRevParse(aliceStatement) is not null && repoA.TryRevParse(bobStatement) is not null,
            "alice and bob hold each other's statement");
        // A statement's sequence is max(previous + 1, Unix ms at signing): bob's signed after he took the news are above this.
        var beforeNews = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var news = repoA.Commit("alice's news");

        await Until(() => Names(repoB, aliceStatement, news), "alice's news reaches bob");
        // Bob signs again (his holdings changed) and gossips that version; alice holds all he holds (his branches as
        // they were, her own news), so she asks for no fetch of it.
        await Until(
            () => Regex.Matches(a.Log, "no fetch of bob for its refs version ([0-9]+)").Any(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) > beforeNews),
            "alice hears the version bob signed after taking her news, and asks for nothing");
    }

    private static async Task FetchAsync(NodeProcess node, string peer)
    {
        var (code, stdout, stderr) = await node.RunAsync(["fetch", peer], Token);
        Assert.True(code == 0, stdout + stderr);
    }

    private static long Refused(JsonNode status, string reason) => (long?)status["repos"]![0]!["signedRefs"]?["refused"]?[reason] ?? 0;

    private static JsonNode? Peer(JsonNode status, string name) => status["peers"]!.AsArray().FirstOrDefault(p => (string?)p!["name"] == name);

    /// <summary>Whether the statement <paramref name="statementRef"/> points at names <paramref name="commit"/>.</summary>
    private static bool Names(TempRepository repo, string statementRef, string commit) =>
        repo.TryRevParse(statementRef) is { } id && IndexOf(BlobBytes(repo, id), Convert.FromHexString(commit)) > 0;

    private static byte[] BlobBytes(TempRepository repo, string id)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = repo.Path, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "cat-file", "blob", id })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        using var buffer = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(buffer);
        process.WaitForExit();
        return buffer.ToArray();
    }

    private static string WriteBlob(TempRepository repo, byte[] bytes)
    {
        var path = Path.Combine(repo.Root, "forged-statement");
        File.WriteAllBytes(path, bytes);
        return repo.Git("hash-object", "-w", path).Trim();
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return i;
            }
        }

        return -1;
    }

    private static async Task<string> IdAsync(NodeProcess node) => (string)(await node.WaitUntilUpAsync(Token))["node"]!["id"]!;

    private static bool Alive(JsonNode status, string name) =>
        status["peers"]!.AsArray().Any(p => (string?)p!["name"] == name && (string?)p["state"] == "alive");

    private Task Until(Func<bool> condition, string what) => _mesh.UntilAsync(condition, what, s_deadline, Token);
}
