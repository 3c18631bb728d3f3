using LibGit2Sharp;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.SignedRefs;
using PeerMesh.Sync.Fetching;
using PeerMesh.Sync.SignedRefs;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Keys;
using Xunit;

namespace PeerMesh.Sync.Tests.SignedRefs;

/// <summary>A stored statement served by a real <c>git daemon</c> and fetched by stock git and by our libgit2 download.</summary>
public sealed class StatementServingTests : IAsyncLifetime
{
    private const string RepoId = "repo-1";

    private readonly TestIdentities _identities = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
    private readonly TempRepository _author = TempRepository.Create(commits: 2);
    private readonly TempRepository _receiver = TempRepository.Create(commits: 0, name: "receiver");
    private GitDaemon? _daemon;
    private RefsStatement? _statement;

    private string Alice => _identities["alice"].Id;

    private string Url => $"git://127.0.0.1:{_daemon!.Port}/repo";

    public async ValueTask InitializeAsync()
    {
        _author.Commit("feature work", branch: "feature");
        using (var repo = new Repository(_author.Path))
        {
            _statement = StatementBuilder.Build(_identities["alice"], "test", RepoId, OwnBranches.ByPriority(repo), 0, _time).Statement;
            StatementStore.Store(repo, RepoId, _statement, "peermesh: signed refs");
        }

        _daemon = await GitDaemon.StartAsync(_author.Root, TestContext.Current.CancellationToken);
    }

    [Fact]
    public void StockGitFetch_StatementRefAndBranches_ArriveAndVerifyWithEveryCommitPresent()
    {
        _receiver.Git("fetch", "-q", Url, "+refs/peermesh/*:refs/peermesh/*", "+refs/heads/*:refs/remotes/alice/*");

        using var repo = new Repository(_receiver.Path);
        var stored = StatementStore.Read(repo, Alice);
        Assert.Null(stored.Problem);
        Assert.Equal(_statement!.Encoded, stored.Statement!.Encoded);
        var ledger = new StatementLedger(_time);
        Assert.Equal(AcceptOutcome.Accepted, ledger.Offer(stored.Statement, Alice, RepoId).Outcome);
        Assert.Empty(StatementStore.MissingCommits(repo, stored.Statement));
        Assert.Equal(["feature", "main"], stored.Statement.Branches.Select(b => b.Name));
    }

    [Fact]
    public void StockGitLsRemote_AdvertisesTheDigestGossipCarries()
    {
        var advertised = _receiver.Git("ls-remote", Url, "refs/peermesh/*").Trim();

        Assert.Equal($"{_statement!.Digest}\trefs/peermesh/{Alice}/statement", advertised);
    }

    [Fact]
    public void StockGitClone_PlainLeavesTheStatementMirrorCarriesIt()
    {
        var plain = Path.Combine(_receiver.Root, "plain");
        var mirror = Path.Combine(_receiver.Root, "mirror.git");
        GitCli.Run(_receiver.Root, "clone", "-q", Url, plain);
        GitCli.Run(_receiver.Root, "clone", "-q", "--mirror", Url, mirror);

        Assert.DoesNotContain("peermesh", GitCli.Run(plain, "for-each-ref"));
        Assert.Equal(_statement!.Digest, GitCli.Run(mirror, "rev-parse", $"refs/peermesh/{Alice}/statement").Trim());
        Assert.Equal(_author.Head(), GitCli.Run(plain, "rev-parse", "HEAD").Trim());
    }

    [Fact]
    public void LibGit2Download_StatementBlobWithoutWritingAnyRef_ReadableByItsAdvertisedId()
    {
        var refsBefore = _receiver.RefsSnapshot();
        IReadOnlyList<(string Name, ObjectId Id)> advertised;
        using (var progress = new FetchProgress(TimeProvider.System, maxBytes: 64 << 20, maxRefs: 1000, allowedPrefix: "refs/peermesh/incoming/", TestContext.Current.CancellationToken))
        {
            advertised = LibGit2Fetch.Download(_receiver.GitDirectory, Url, "+refs/peermesh/*:refs/peermesh/incoming/*", progress);
        }

        var statementId = advertised.Single(a => a.Name == $"refs/peermesh/{Alice}/statement").Id;
        using var repo = new Repository(_receiver.Path);
        var read = StatementStore.ReadObject(repo, statementId);

        Assert.Equal(refsBefore, _receiver.RefsSnapshot());
        Assert.Null(read.Problem);
        Assert.Equal(_statement!.Digest, statementId.Sha);
        Assert.Equal(AcceptOutcome.Accepted, new StatementLedger(_time).Offer(read.Statement!, Alice, RepoId).Outcome);
    }

    public async ValueTask DisposeAsync()
    {
        if (_daemon is not null)
        {
            await _daemon.DisposeAsync();
        }

        _author.Dispose();
        _receiver.Dispose();
        _identities.Dispose();
    }
}
