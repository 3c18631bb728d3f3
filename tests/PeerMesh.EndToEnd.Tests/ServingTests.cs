using System.Text.Json.Nodes;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.EndToEnd.Tests;

/// <summary>
/// What a node serves (issue 14), with real <c>peermesh up</c> processes on loopback: its shared branches
/// (<c>peermesh.share</c>) and <c>refs/peermesh/*</c>; a WIP branch, remote-tracking refs and tags are neither
/// advertised nor fetchable by id under protocol v0 or v2, while the shared branch syncs to a peer as before.
/// </summary>
public sealed class ServingTests : IAsyncDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);
    private readonly LoopbackMesh _mesh = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _mesh.DisposeAsync();

    [Fact]
    public async Task Up_PeerMeshShareMain_OnlyMainAndStatementsServedAndMainSyncsToAPeer()
    {
        var (repoA, wip) = SharingMainWithWip();
        repoA.Git("tag", "-a", "-m", "a private tag", "v1", "main");
        var tag = repoA.RevParse("v1");
        var originOnly = repoA.Git("commit-tree", "main^{tree}", "-p", "main", "-m", "only on origin").Trim();
        repoA.Git("update-ref", "refs/remotes/origin/only", originOnly);
        var a = _mesh.Start(repoA, "alice");
        var up = await a.WaitUntilUpAsync(Token);
        var aliceId = (string)up["node"]!["id"]!;
        var url = (string)up["repos"]![0]!["url"]!;
        var status = await a.WaitForStatusAsync(s => Signed(s)?["sharedBranches"]?.AsArray().Count == 1, s_deadline, Token);

        Assert.Equal(["main"], Signed(status)!["sharedBranches"]!.AsArray().Select(b => (string)b!));
        Assert.Contains("wip (not in peermesh.share)", Signed(status)!["notShared"]!.AsArray().Select(b => (string)b!));
        var (_, table, _) = await a.RunAsync(["status"], Token);
        Assert.Contains("shared: main (peermesh.share: main)", table, StringComparison.Ordinal);
        foreach (var version in new[] { "0", "2" })
        {
            Assert.Equal(["HEAD", "refs/heads/main", $"refs/peermesh/{aliceId}/statement"], Advertised(repoA, url, version));
            foreach (var id in new[] { wip, originOnly, tag })
            {
                var client = Path.Combine(repoA.Root, $"client-{version}-{id[..8]}");
                GitCli.Run(repoA.Root, "init", "-q", client);
                Assert.NotEqual(0, GitCli.TryRun(client, "-c", $"protocol.version={version}", "fetch", "-q", url, id).ExitCode);
                Assert.NotEqual(0, GitCli.TryRun(client, "cat-file", "-e", id).ExitCode);
            }
        }

        var clone = Path.Combine(repoA.Root, "stock-clone");
        GitCli.Run(repoA.Root, "clone", "-q", url, clone);
        Assert.Equal(repoA.Head(), GitCli.Run(clone, "rev-parse", "HEAD").Trim());

        var (b, repoB) = await _mesh.StartCloneAsync("bob", a, null, Token);
        var commit = repoA.Commit("alice's shared work");
        await _mesh.UntilAsync(() => repoB.TryRevParse("refs/remotes/alice/main") == commit, "alice's main reaches bob", s_deadline, Token);
        Assert.Null(repoB.TryRevParse("refs/remotes/alice/wip"));
        Assert.NotEqual(0, GitCli.TryRun(repoB.Path, "cat-file", "-e", wip).ExitCode);
        Assert.NotEqual(0, GitCli.TryRun(repoB.Path, "cat-file", "-e", originOnly).ExitCode);
        await b.WaitForStatusAsync(s => s["peers"]!.AsArray().Any(p => (string?)p!["name"] == "alice"), s_deadline, Token);
    }

    [Fact]
    public async Task Up_BranchCheckedOutIsNotShared_HeadNotAdvertisedStockCloneStillWorks()
    {
        var (repoA, wip) = SharingMainWithWip();
        var a = _mesh.Start(repoA, "alice");
        var url = (string)(await a.WaitUntilUpAsync(Token))["repos"]![0]!["url"]!;
        await _mesh.UntilAsync(() => Advertised(repoA, url).Contains("HEAD"), "HEAD advertised while main is checked out", s_deadline, Token);

        // Checking out the unshared branch moves no branch: HEAD, which would name its commit, stops being served.
        repoA.Git("checkout", "-q", "wip");
        await _mesh.UntilAsync(() => !Advertised(repoA, url).Contains("HEAD"), "HEAD no longer advertised", s_deadline, Token);
        Assert.DoesNotContain(wip, GitCli.Run(repoA.Root, "ls-remote", url), StringComparison.Ordinal);
        var clone = Path.Combine(repoA.Root, "clone-while-on-wip");
        GitCli.Run(repoA.Root, "clone", "-q", url, clone); // no HEAD to check out (git warns), but the clone holds main
        Assert.Equal(repoA.RevParse("main"), GitCli.Run(clone, "rev-parse", "refs/remotes/origin/main").Trim());

        repoA.Git("checkout", "-q", "main");
        await _mesh.UntilAsync(() => Advertised(repoA, url).Contains("HEAD"), "HEAD advertised again", s_deadline, Token);
        var again = Path.Combine(repoA.Root, "clone-on-main");
        GitCli.Run(repoA.Root, "clone", "-q", url, again);
        Assert.Equal(repoA.RevParse("main"), GitCli.Run(again, "rev-parse", "HEAD").Trim());
    }

    /// <summary>Alice's clone sharing only main (<c>peermesh.share</c>), with a commit on an unshared wip; main checked out.</summary>
    private (TempRepository Repo, string Wip) SharingMainWithWip()
    {
        var repo = _mesh.Clone("alice");
        repo.Git("config", "--add", "peermesh.share", "main");
        var wip = repo.Commit("alice's private work", branch: "wip");
        repo.Git("checkout", "-q", "main");
        return (repo, wip);
    }

    /// <summary>The ref names <c>git ls-remote</c> lists for <paramref name="url"/> (under protocol <paramref name="version"/>).</summary>
    private static List<string> Advertised(TempRepository repo, string url, string version = "2") =>
        [.. GitCli.Run(repo.Root, "-c", $"protocol.version={version}", "ls-remote", url)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t')[1])];

    private static JsonNode? Signed(JsonNode status) => status["repos"]![0]!["signedRefs"];
}
