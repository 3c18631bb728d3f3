using System.Diagnostics;
using System.Text.Json.Nodes;
using PeerMesh.TestSupport.Netns;
using Xunit;

namespace PeerMesh.EndToEnd.Tests.Netns;

/// <summary>
/// Issue 14's line topology: h1 (alice, the author) and h2 (the relay) on one link, h2 and h3 on another (h2 has two
/// interfaces), no route between h1 and h3; mDNS only, no seeds; real `peermesh up` processes. The author's work
/// reaches h3 only through h2, verified by the author's signature; a copy h2 alters (HOSTILE 52) or an older
/// statement h2 replays (HOSTILE 53) never reaches h3's tracking refs for h1.
/// </summary>
[Trait("Category", "Scenario")]
public sealed class LineRelayTests
{
    private static readonly TimeSpan s_discovery = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_propagation = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_down = TimeSpan.FromSeconds(15);

    // h2 sits on two links: bound to every address, it advertises none and each side sees it at the address it reaches.
    private static readonly PeerMeshNodeOptions s_options = new() { EveryAddress = true };

    [Fact]
    public async Task Relay_LineAuthorUp_CommitReachesTheFarEndsTrackingRefThroughTheRelay()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var mesh = await LineAsync(ct);
        var (a, b, c) = (mesh.Nodes[0], mesh.Nodes[1], mesh.Nodes[2]);
        await mesh.StartAllAsync(_ => s_options, ct);
        await mesh.WaitUntilAsync(
            "h1 and h3 each list h2 alive, found by mDNS, and h2 lists both",
            async t => await NetnsMesh.AllSeeEachOtherAsync([a, c], [b], p => p.IsAlive && p.WasFoundBy("mdns"), t)
                && await NetnsMesh.AllSeeEachOtherAsync([b], [a, b, c], p => p.IsAlive, t),
            s_discovery,
            ct);

        var commit = await a.CommitAsync("across the line", ct);

        await mesh.WaitUntilAsync("h1's commit reaches h3's refs/remotes/h1/main", async t => await RefAsync(c, "refs/remotes/h1/main", t) == commit, s_propagation, ct);
        Assert.Equal(a.Id, await ConfigAsync(c, "remote.h1.peermeshNode", ct));
        Assert.Equal(commit, await RefAsync(c, $"refs/peermesh/{a.Id}/heads/main", ct));
        Assert.Equal(await RefAsync(b, StatementRef(a), ct), await RefAsync(c, StatementRef(a), ct));
        Assert.Equal(new PingResult(1, 0), await NetProbe.PingAsync(c.Host, a.Address, 1, TimeSpan.FromMilliseconds(10), ct));
    }

    [Fact]
    public async Task Relay_LineAuthorDown_NewcomerAtTheFarEndGetsItsLatestWorkUnderItsName()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var mesh = await LineAsync(ct);
        var (a, b, c) = (mesh.Nodes[0], mesh.Nodes[1], mesh.Nodes[2]);
        await Task.WhenAll(a.StartAsync(s_options, NetnsMesh.ReadyTimeout, ct), b.StartAsync(s_options, NetnsMesh.ReadyTimeout, ct));
        await mesh.WaitUntilAsync("h1 and h2 list each other alive", t => NetnsMesh.AllSeeEachOtherAsync([a, b], [a, b], p => p.IsAlive, t), s_discovery, ct);
        await a.CommitAsync("first", ct);
        var second = await a.CommitAsync("second", ct);
        await WaitStatementNamesAsync(mesh, b, a, second, ct);
        await DownAsync(a, ct);

        var started = Stopwatch.GetTimestamp();
        await c.StartAsync(s_options, NetnsMesh.ReadyTimeout, ct);
        await mesh.WaitUntilAsync("h1's latest work reaches the newcomer h3 through h2", async t => await RefAsync(c, "refs/remotes/h1/main", t) == second, s_propagation, ct);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"newcomer holds the offline author's latest work {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms after `up` (process start included)");

        Assert.Equal(await RefAsync(b, StatementRef(a), ct), await RefAsync(c, StatementRef(a), ct));
        Assert.Equal(a.Id, await ConfigAsync(c, "remote.h1.peermeshNode", ct));
        Assert.Null(await ConfigAsync(c, "remote.h1.url", ct)); // h3 never reached h1
        await mesh.WaitUntilAsync(
            "h3's status lists h1 as held through h2",
            async t => Peer(await StatusJsonAsync(c, t), "h1")?["via"] is not null,
            s_propagation,
            ct);
        var h1 = Peer(await StatusJsonAsync(c, ct), "h1")!;
        Assert.NotEqual("alive", (string?)h1["state"]);
        Assert.Equal(["h2"], h1["via"]!.AsArray().Select(v => (string)v!));
    }

    [Fact]
    public async Task Relay_LineRelayReplaysAnOlderStatementThenForgesACopy_FarEndRefusesEachAndKeepsTheAuthorsNewest()
    {
        var ct = await NetnsSkip.UnlessAvailableAsync();
        await using var mesh = await LineAsync(ct);
        var (a, b, c) = (mesh.Nodes[0], mesh.Nodes[1], mesh.Nodes[2]);
        await mesh.StartAllAsync(_ => s_options, ct);
        await mesh.WaitUntilAsync(
            "h1 and h3 each list h2 alive, and h2 lists both",
            async t => await NetnsMesh.AllSeeEachOtherAsync([a, c], [b], p => p.IsAlive, t) && await NetnsMesh.AllSeeEachOtherAsync([b], [a, b, c], p => p.IsAlive, t),
            s_discovery,
            ct);
        var first = await a.CommitAsync("first", ct);
        await WaitStatementNamesAsync(mesh, c, a, first, ct);
        var older = await RefAsync(c, StatementRef(a), ct);
        var second = await a.CommitAsync("second", ct);
        await WaitStatementNamesAsync(mesh, c, a, second, ct);
        var newest = await RefAsync(c, StatementRef(a), ct);
        Assert.Equal(second, await RefAsync(c, "refs/remotes/h1/main", ct));
        await DownAsync(a, ct);

        // HOSTILE 53: h2 serves h1's older statement (and copy) again.
        await GitAsync(b, ct, "update-ref", StatementRef(a), older!);
        await GitAsync(b, ct, "update-ref", $"refs/peermesh/{a.Id}/heads/main", first);
        await FetchAsync(c, "h2", ct);
        await mesh.WaitUntilAsync("h3 refuses h2's older statement of h1", async t => Refused(await StatusJsonAsync(c, t), "older") >= 1, s_propagation, ct);
        Assert.Equal(second, await RefAsync(c, "refs/remotes/h1/main", ct));
        Assert.Equal(newest, await RefAsync(c, StatementRef(a), ct));

        // HOSTILE 52: h1 comes back for one more commit that h2 gets while h3 is down; h2 then moves its copy of h1's
        // main to a commit of its own (on no branch), and h3 starts again.
        await DownAsync(c, ct);
        await a.RestartAsync(NetnsMesh.ReadyTimeout, ct);
        var third = await a.CommitAsync("third", ct);
        await WaitStatementNamesAsync(mesh, b, a, third, ct);
        await DownAsync(a, ct);
        var forged = await GitAsync(b, ct, "commit-tree", second + "^{tree}", "-p", second, "-m", "h2's forgery");
        await GitAsync(b, ct, "update-ref", $"refs/peermesh/{a.Id}/heads/main", forged);
        await c.RestartAsync(NetnsMesh.ReadyTimeout, ct);

        await mesh.WaitUntilAsync("h3 refuses h2's copy of h1's newest statement", async t => Refused(await StatusJsonAsync(c, t), "missing-commits") >= 1, s_propagation, ct);
        Assert.Equal(second, await RefAsync(c, "refs/remotes/h1/main", ct));
        Assert.Equal(newest, await RefAsync(c, StatementRef(a), ct));
        Assert.Equal(string.Empty, await GitAsync(c, ct, "for-each-ref", "--points-at", forged));
        var status = await StatusJsonAsync(c, ct);
        Assert.Contains(Peer(status, "h2")!["refused"]!.AsArray(), r => (string?)r!["reason"] == "missing-commits" && (string?)r["authorName"] == "h1");
        var table = await c.RunAsync(["status", c.RepositoryPath], ct);
        Assert.Contains("refused h1's work served by h2: missing-commits", table.Stdout, StringComparison.Ordinal);
    }

    private static Task<NetnsMesh> LineAsync(CancellationToken ct) => NetnsMesh.CreateAsync(3, NetnsTestBedOptions.Line(3), null, ct);

    private static string StatementRef(PeerMeshNode author) => $"refs/peermesh/{author.Id}/statement";

    private static async Task DownAsync(PeerMeshNode node, CancellationToken ct)
    {
        var code = await node.DownAsync(s_down, ct);
        var stderr = node.Process?.ReadStderr() ?? "";
        Assert.True(code == 0, $"{node.Name}: down ended the node with exit {code}; its stderr ends:\n{stderr[Math.Max(0, stderr.Length - 4000)..]}");
    }

    private static async Task FetchAsync(PeerMeshNode node, string peer, CancellationToken ct)
    {
        var result = await node.RunAsync(["fetch", peer], ct);
        Assert.True(result.Succeeded, result.Stdout + result.Stderr);
    }

    /// <summary>Waits until <paramref name="holder"/> stores a statement of <paramref name="author"/> naming <paramref name="commit"/> (written last, after the refs).</summary>
    private static Task WaitStatementNamesAsync(NetnsMesh mesh, PeerMeshNode holder, PeerMeshNode author, string commit, CancellationToken ct) =>
        mesh.WaitUntilAsync(
            $"{holder.Name} holds a statement of {author.Name} naming {commit[..8]}",
            async t => await RefAsync(holder, StatementRef(author), t) is { } blob && Contains(await BlobAsync(holder, blob, t), Convert.FromHexString(commit)),
            s_propagation,
            ct);

    private static async Task<string?> RefAsync(PeerMeshNode node, string name, CancellationToken ct)
    {
        var id = await GitAsync(node, ct, "for-each-ref", "--format=%(objectname)", name);
        return id.Length == 0 ? null : id;
    }

    private static async Task<string?> ConfigAsync(PeerMeshNode node, string key, CancellationToken ct)
    {
        var value = await GitAsync(node, ct, "config", "--default", "", "--get", key);
        return value.Length == 0 ? null : value;
    }

    private static Task<string> GitAsync(PeerMeshNode node, CancellationToken ct, params string[] args) =>
        TestRepository.GitAsync(node.RepositoryPath, ct, args);

    private static async Task<byte[]> BlobAsync(PeerMeshNode node, string id, CancellationToken ct)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = node.RepositoryPath, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "cat-file", "blob", id })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        using var buffer = new MemoryStream();
        await process.StandardOutput.BaseStream.CopyToAsync(buffer, ct);
        await process.WaitForExitAsync(ct);
        return buffer.ToArray();
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    private static async Task<JsonNode> StatusJsonAsync(PeerMeshNode node, CancellationToken ct)
    {
        await node.StatusAsync(ct);
        return JsonNode.Parse(node.LastStatusJson!)!;
    }

    private static long Refused(JsonNode status, string reason) => (long?)status["repos"]![0]!["signedRefs"]?["refused"]?[reason] ?? 0;

    private static JsonNode? Peer(JsonNode status, string name) => status["peers"]!.AsArray().FirstOrDefault(p => (string?)p!["name"] == name);
}
