using LibGit2Sharp;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.SignedRefs;
using PeerMesh.Sync.SignedRefs;
using PeerMesh.Sync.Tests.Support;
using PeerMesh.TestSupport.Keys;
using Xunit;

namespace PeerMesh.Sync.Tests.SignedRefs;

/// <summary>The node signs its own branches when they move, stores the statement, and publishes (holdings digest, sequence).</summary>
public sealed class OwnStatementPublisherTests : IDisposable
{
    private const string RepoId = "repo-1";

    private readonly TestIdentities _ids = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
    private readonly TempRepo _repo = TempRepo.Create();

    public void Dispose()
    {
        _repo.Dispose();
        _ids.Dispose();
    }

    [Fact]
    public void PublishLocalRefs_BranchesMoved_SignsStoresAndPublishesTheHoldingsDigestAndTheSequence()
    {
        var mesh = new FakePublisher();
        var own = NewPublisher(mesh);

        own.PublishLocalRefs(RepoId, "sha256-of-the-branches");
        var head = _repo.Commit("more");
        _time.Advance(TimeSpan.FromMilliseconds(1));
        own.PublishLocalRefs(RepoId, "another");

        using var repo = new Repository(_repo.GitDir);
        var stored = StatementStore.Read(repo, _ids["alice"].Id).Statement!;
        Assert.Equal(HoldingsDigest.Of(stored.AuthorId, stored.Branches, []), mesh.Published.Last().Digest);
        Assert.Equal(stored.Sequence, mesh.Versions.Last());
        Assert.Equal([new BranchTip("main", head)], stored.Branches);
        Assert.Equal("alice", stored.AuthorName);
        Assert.True(mesh.Versions.First() < mesh.Versions.Last());
        Assert.Equal(stored.Digest, own.Current!.Digest);
        Assert.Equal(2, repo.Refs.FromGlob("refs/*").Count(r => r.CanonicalName is "refs/heads/main" || r.CanonicalName.StartsWith("refs/peermesh/", StringComparison.Ordinal)));
    }

    [Fact]
    public void PublishLocalRefs_TheMeshAnnouncedAHigherVersion_SignsAgainAboveIt()
    {
        var mesh = new HigherVersionMesh(1_800_003_600_000);
        var own = NewPublisher(mesh);

        own.PublishLocalRefs(RepoId, "x");

        // The mesh announced floor + 1 for the first statement; the second is signed above that, and announced as is.
        Assert.Equal(1_800_003_600_002, own.Current!.Sequence);
        Assert.Equal((HoldingsDigest.Of(own.Current.AuthorId, own.Current.Branches, []), own.Current.Sequence), (mesh.Digest, mesh.Held));
    }

    [Fact]
    public void Resign_AnotherAuthorsStatementTaken_ItIsInThePublishedDigest()
    {
        var mesh = new FakePublisher();
        List<RefsStatement> held = [];
        var own = new OwnStatementPublisher(
            _repo.GitDir, RepoId, new SignedRefsAuthor(_ids["alice"], "alice"), mesh, _time, NullLogger<OwnStatementPublisher>.Instance, held: () => held);
        own.PublishLocalRefs(RepoId, "x");
        var bob = StatementBuilder.Build(_ids["bob"], "bob", RepoId, [], 0, _time).Statement;
        held.Add(bob);

        own.Resign();

        var branches = own.Current!.Branches;
        Assert.Equal(
            [HoldingsDigest.Of(own.Current.AuthorId, branches, []), HoldingsDigest.Of(own.Current.AuthorId, branches, [bob])],
            mesh.Published.Select(p => p.Digest));
    }

    [Fact]
    public void HeardBack_AHigherSequenceOfOurs_NextStatementAboveIt()
    {
        var own = NewPublisher(new FakePublisher());
        own.HeardBack(1_800_003_600_000);

        own.Resign();

        Assert.Equal(1_800_003_600_001, own.Current!.Sequence);
    }

    private OwnStatementPublisher NewPublisher(ILocalRepoPublisher mesh) =>
        new(_repo.GitDir, RepoId, new SignedRefsAuthor(_ids["alice"], "alice"), mesh, _time, NullLogger<OwnStatementPublisher>.Instance);

    /// <summary>A mesh that announced <c>floor</c> before (a previous life, an hour ahead): it announces max(given, held + 1).</summary>
    private sealed class HigherVersionMesh(long floor) : ILocalRepoPublisher
    {
        private long _held = floor;

        public string? Digest { get; private set; }

        public long Held => _held;

        public void PublishLocalRefs(string repoId, string refsDigest) => throw new InvalidOperationException("the signed overload is used");

        public long PublishLocalRefs(string repoId, string refsDigest, long refsVersion)
        {
            Digest = refsDigest;
            _held = Math.Max(refsVersion, _held + 1);
            return _held;
        }
    }
}
