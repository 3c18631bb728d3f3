using PeerMesh.Sync.Serving;
using PeerMesh.TestSupport.Git;
using Xunit;

namespace PeerMesh.Sync.Tests.Serving;

/// <summary>
/// What a node's daemon serves of a repository (<see cref="ServedRefs"/>, <see cref="PackHook"/>): its shared branches
/// and <c>refs/peermesh/*</c>, nothing else, and no object reachable only from what it does not serve, under protocol
/// v0 and v2. Real git daemon through <see cref="GitDaemonSupervisor"/>, stock git clients and a raw v0 client.
/// </summary>
public sealed class ServedRefsTests : IAsyncLifetime
{
    private const string AuthorId = "0123456789abcdef0123456789abcdef";

    private readonly ServingHome _home = new();
    private TempRepository _repo = null!;
    private string _main = null!;
    private string _mainParent = null!;
    private string _wip = null!;
    private string _originOnly = null!;
    private string _stashOnly = null!;
    private string _statement = null!;
    private string _tag = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>
    /// "shop": main (2 commits, shared, checked out), wip (a commit of its own, not shared), an annotated tag on main,
    /// a commit only <c>refs/remotes/origin/gone</c> reaches, one only <c>refs/stash</c> reaches, and a statement blob
    /// under <c>refs/peermesh/</c>. Served with only main shared.
    /// </summary>
    public async ValueTask InitializeAsync()
    {
        _repo = _home.NewRepository("shop", commits: 2);
        _main = _repo.Head();
        _mainParent = _repo.RevParse("HEAD~1");
        _wip = _repo.Commit("private work in progress", branch: "wip");
        _originOnly = _repo.Commit("only on the old server", branch: "gone");
        _repo.Git("update-ref", "refs/remotes/origin/gone", _originOnly);
        _stashOnly = _repo.Commit("stashed", branch: "stashed");
        _repo.Git("update-ref", "refs/stash", _stashOnly);
        _repo.Git("checkout", "-q", "main");
        _repo.Git("branch", "-q", "-D", "gone", "stashed");
        _repo.Git("tag", "-a", "-m", "release notes nobody should read", "v1", _main);
        _tag = _repo.RevParse("v1");
        _statement = GitCli.TryRun(_repo.Path, "a statement", (IReadOnlyDictionary<string, string>?)null, "hash-object", "-w", "--stdin").Stdout.Trim();
        _repo.Git("update-ref", $"refs/peermesh/{AuthorId}/statement", _statement);

        ServedRefs.WriteBranches(ServedRefs.FileFor(_home.Directory, _repo.GitDirectory), ["main"], headShared: true);
        await _home.Supervisor.SetServedAsync(new Dictionary<string, string> { ["shop"] = _repo.GitDirectory }, Token);
        await _home.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _home.DisposeAsync();
        _repo?.Dispose(); // deleted with the home already; again for the analyzer
    }

    [Theory]
    [InlineData("0")]
    [InlineData("2")]
    public void LsRemote_SharedBranchAmongMany_OnlyItHeadAndPeerMeshRefsAdvertised(string version)
    {
        var listed = Advertised(version);

        Assert.Equal(
            [$"{_main} HEAD", $"{_main} refs/heads/main", $"{_statement} refs/peermesh/{AuthorId}/statement"],
            listed);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("2")]
    public void Fetch_UnsharedObjectsByTheirIds_RefusedAndNothingArrives(string version)
    {
        var client = NewClient();
        foreach (var id in new[] { _wip, _originOnly, _stashOnly, _tag, _repo.RevParse("wip^{tree}") })
        {
            var (code, _, _) = GitCli.TryRun(client, "-c", $"protocol.version={version}", "fetch", "-q", _home.Url("shop"), id);

            Assert.NotEqual(0, code);
            Assert.NotEqual(0, GitCli.TryRun(client, "cat-file", "-e", id).ExitCode);
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("2")]
    public void Fetch_SharedCommitsByTheirIds_Served(string version)
    {
        var client = NewClient();

        GitCli.Run(client, "-c", $"protocol.version={version}", "fetch", "-q", _home.Url("shop"), _main);
        GitCli.Run(client, "-c", "protocol.version=2", "fetch", "-q", _home.Url("shop"), _mainParent);

        Assert.Equal("commit", GitCli.Run(client, "cat-file", "-t", _main).Trim());
    }

    [Fact]
    public async Task UploadPack_RawV0WantOfAnUnsharedCommit_NoPack()
    {
        // A client that skips git's own check of its wants against the advertisement.
        using var connection = await UploadPackConnection.OpenAsync(_home.Port, "/shop", Token);

        var (_, pack) = await connection.CompleteAsync(Token, want: _wip);

        Assert.False(pack);
    }

    [Fact]
    public void Clone_StockGit_ChecksOutMainAndGetsNoTagNoOtherBranchNoUnsharedObject()
    {
        var target = Path.Combine(_home.Directory, "clone");

        GitCli.Run(_home.Directory, "clone", "-q", _home.Url("shop"), target);

        Assert.Equal(_main, GitCli.Run(target, "rev-parse", "HEAD").Trim());
        Assert.Equal("refs/heads/main\nrefs/remotes/origin/HEAD\nrefs/remotes/origin/main", GitCli.Run(target, "for-each-ref", "--format=%(refname)").Trim());
        foreach (var id in new[] { _tag, _wip, _originOnly, _stashOnly })
        {
            Assert.NotEqual(0, GitCli.TryRun(target, "cat-file", "-e", id).ExitCode);
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("2")]
    public void Serve_RepositoryConfigTriesToLoosenIt_StillOnlySharedServed(string version)
    {
        _repo.Git("config", "uploadpack.allowAnySHA1InWant", "true");
        _repo.Git("config", "uploadpack.allowReachableSHA1InWant", "true");
        _repo.Git("config", "uploadpack.allowTipSHA1InWant", "true");
        _repo.Git("config", "--add", "uploadpack.hideRefs", "!refs/");
        _repo.Git("config", "--add", "uploadpack.hideRefs", "!refs/heads/wip");
        _repo.Git("config", "uploadpack.packObjectsHook", "cat >/dev/null; git pack-objects --all --stdout");
        var client = NewClient();

        var (code, _, _) = GitCli.TryRun(client, "-c", $"protocol.version={version}", "fetch", "-q", _home.Url("shop"), _wip);

        Assert.NotEqual(0, code);
        Assert.NotEqual(0, GitCli.TryRun(client, "cat-file", "-e", _wip).ExitCode);
        Assert.DoesNotContain(Advertised(version), line => line.Contains("wip", StringComparison.Ordinal) || line.Contains("refs/tags/", StringComparison.Ordinal));
    }

    [Fact]
    public void Serve_NoBranchesFile_NoBranchServed()
    {
        File.Delete(ServedRefs.FileFor(_home.Directory, _repo.GitDirectory));

        Assert.Equal([$"{_statement} refs/peermesh/{AuthorId}/statement"], Advertised("2"));
    }

    [Fact]
    public void Serve_BranchesFileRewritten_NextConnectionSeesTheNewSet()
    {
        ServedRefs.WriteBranches(ServedRefs.FileFor(_home.Directory, _repo.GitDirectory), ["main", "wip"], headShared: false);

        Assert.Equal(
            [$"{_main} refs/heads/main", $"{_wip} refs/heads/wip", $"{_statement} refs/peermesh/{AuthorId}/statement"],
            Advertised("2"));
        GitCli.Run(NewClient(), "-c", "protocol.version=2", "fetch", "-q", _home.Url("shop"), _wip);
    }

    private string[] Advertised(string version) =>
        [.. GitCli.Run(_home.Directory, "-c", $"protocol.version={version}", "ls-remote", _home.Url("shop"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Replace('\t', ' '))];

    private string NewClient()
    {
        var path = Path.Combine(_home.Directory, "client-" + Guid.NewGuid().ToString("N")[..6]);
        GitCli.Run(_home.Directory, "init", "-q", path);
        return path;
    }
}
