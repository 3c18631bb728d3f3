using PeerMesh.TestSupport.Mesh;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.Membership;
using PeerMesh.Sync.Remotes;
using PeerMesh.Sync.Tests.Support;
using PeerMesh.Sync.Trust;
using Xunit;

namespace PeerMesh.Sync.Tests.Remotes;

public sealed class ManagedRemotesTests : IDisposable
{
    private const string RepoId = "1111111111111111111111111111111111111111";
    private const string NodeA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string NodeB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    private readonly TempRepo _repo = TempRepo.Create();
    private readonly FakeTimeProvider _time = new();
    private readonly ManagedRemotes _remotes;

    public ManagedRemotesTests()
    {
        _remotes = new ManagedRemotes(_repo.GitDir, RepoId, _time, NullLogger<ManagedRemotes>.Instance);
    }

    public void Dispose() => _repo.Dispose();

    private static MembershipSnapshot Snapshot(params Member[] members) => new(1, [.. members]);

    private string Config(string key)
    {
        try
        {
            return Git.Run(_repo.WorkDir, "config", "--get", key);
        }
        catch (InvalidOperationException)
        {
            return "(unset)";
        }
    }

    [Fact]
    public void Reconcile_LiveMemberWithOurRepo_AddsManagedRemote()
    {
        var result = _remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeA, "Alice", 9418, RepoId)));

        var remote = Assert.Single(result);
        Assert.Equal(new ManagedRemote("alice", NodeA, "git://127.0.0.1:9418/repo"), remote);
        Assert.Equal("git://127.0.0.1:9418/repo", Config("remote.alice.url"));
        Assert.Equal("+refs/heads/*:refs/remotes/alice/*", Config("remote.alice.fetch"));
        Assert.Equal("--no-tags", Config("remote.alice.tagOpt"));
        Assert.Equal(NodeA, Config("remote.alice.peermeshNode"));
    }

    [Fact]
    public void Reconcile_OtherRepoOrDeadOrBadPath_NoRemote()
    {
        var result = _remotes.Reconcile(Snapshot(
            FakeMembershipView.MakeMember(NodeA, "other", 9418, "2222222222222222222222222222222222222222"),
            FakeMembershipView.MakeMember(NodeB, "dead", 9418, RepoId, state: MemberState.Dead),
            FakeMembershipView.MakeMember("cccccccccccccccccccccccccccccccc", "badpath", 9418, RepoId, path: "/../x"),
            FakeMembershipView.MakeMember("dddddddddddddddddddddddddddddddd", "noport", 0, RepoId)));

        Assert.Empty(result);
        Assert.Equal(string.Empty, Git.Run(_repo.WorkDir, "remote"));
    }

    [Fact]
    public void Reconcile_UserRemoteWithSameName_UserRemoteUntouchedAndSuffixUsed()
    {
        Git.Run(_repo.WorkDir, "remote", "add", "alice", "https://example.invalid/alice.git");
        var configBefore = File.ReadAllText(Path.Combine(_repo.GitDir, "config"));

        var result = _remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeA, "alice", 9418, RepoId)));

        Assert.Equal("alice-aaaaaaaa", Assert.Single(result).Name);
        Assert.Equal("https://example.invalid/alice.git", Config("remote.alice.url"));
        Assert.Equal("(unset)", Config("remote.alice.peermeshNode"));
        Assert.StartsWith(configBefore, File.ReadAllText(Path.Combine(_repo.GitDir, "config")), StringComparison.Ordinal);
    }

    [Fact]
    public void Reconcile_TwoPeersSameName_SecondGetsSuffix()
    {
        var result = _remotes.Reconcile(Snapshot(
            FakeMembershipView.MakeMember(NodeA, "laptop", 9418, RepoId),
            FakeMembershipView.MakeMember(NodeB, "laptop", 9419, RepoId)));

        Assert.Equal(["laptop", "laptop-bbbbbbbb"], result.Select(r => r.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("HEAD")]
    [InlineData("a:b*c..d@{e f")]
    [InlineData("-x")]
    [InlineData("\u0001\u0002")]
    public void Reconcile_HostileName_ValidRemoteGitAccepts(string hostile)
    {
        var result = _remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeA, hostile, 9418, RepoId)));

        var name = Assert.Single(result).Name;
        Assert.True(RemoteNames.IsSafe(name));
        Assert.Equal("git://127.0.0.1:9418/repo", Git.Run(_repo.WorkDir, "remote", "get-url", name));
    }

    [Fact]
    public void Reconcile_TenThousandCharacterName_Capped()
    {
        var result = _remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeA, new string('n', 10_000), 9418, RepoId)));

        Assert.Equal(RemoteNames.MaxLength, Assert.Single(result).Name.Length);
    }

    [Fact]
    public void Reconcile_AddressAndPortChange_UrlFollows()
    {
        _remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeA, "alice", 9418, RepoId)));

        var result = _remotes.Reconcile(Snapshot(
            FakeMembershipView.MakeMember(NodeA, "alice", 9500, RepoId, address: IPAddress.Parse("10.1.2.3"))));

        Assert.Equal("git://10.1.2.3:9500/repo", Assert.Single(result).Url);
        Assert.Equal("git://10.1.2.3:9500/repo", Config("remote.alice.url"));
        Assert.False(_remotes.HasConflict(NodeA));
    }

    [Fact]
    public void Reconcile_TwoNodesClaimOneId_NoFlipFlopAndConflictShown()
    {
        var first = FakeMembershipView.MakeMember(NodeA, "alice", 9418, RepoId, address: IPAddress.Parse("10.0.0.1"));
        var second = FakeMembershipView.MakeMember(NodeA, "alice", 9418, RepoId, address: IPAddress.Parse("10.0.0.2"));
        _remotes.Reconcile(Snapshot(first));
        _remotes.Reconcile(Snapshot(second));

        var result = _remotes.Reconcile(Snapshot(first));

        Assert.Equal("git://10.0.0.2:9418/repo", Assert.Single(result).Url);
        Assert.True(_remotes.HasConflict(NodeA));
    }

    [Fact]
    public void Reconcile_DuplicateIdInOneSnapshot_DeterministicChoiceAndConflict()
    {
        var low = FakeMembershipView.MakeMember(NodeA, "alice", 9418, RepoId, address: IPAddress.Parse("10.0.0.9"));
        var high = FakeMembershipView.MakeMember(NodeA, "alice", 9418, RepoId, address: IPAddress.Parse("10.0.0.1"));

        var one = _remotes.Reconcile(Snapshot(low, high));
        var two = _remotes.Reconcile(Snapshot(high, low));

        Assert.Equal("git://10.0.0.1:9418/repo", Assert.Single(one).Url);
        Assert.Equal("git://10.0.0.1:9418/repo", Assert.Single(two).Url);
        Assert.True(_remotes.HasConflict(NodeA));
    }

    [Fact]
    public void Reconcile_PeerGone_RemoteAndRefsKept()
    {
        _remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeA, "alice", 9418, RepoId)));
        Git.Run(_repo.WorkDir, "update-ref", "refs/remotes/alice/main", _repo.Head());

        var result = _remotes.Reconcile(Snapshot());

        Assert.Equal("alice", Assert.Single(result).Name);
        Assert.Equal(_repo.Head(), _repo.RefTarget("refs/remotes/alice/main"));
    }

    [Fact]
    public void Reconcile_UntrustedMember_NoRemoteAndItsUrlNowhereInTheConfig()
    {
        var trust = TrustList.Parse([NodeA]);

        var result = _remotes.Reconcile(
            Snapshot(FakeMembershipView.MakeMember(NodeA, "alice", 9418, RepoId), FakeMembershipView.MakeMember(NodeB, "bob", 9999, RepoId, address: IPAddress.Parse("10.0.0.2"))),
            trust);

        Assert.Equal(NodeA, Assert.Single(result).NodeId);
        Assert.Equal("alice", Git.Run(_repo.WorkDir, "remote"));
        Assert.DoesNotContain("10.0.0.2", Git.Run(_repo.WorkDir, "config", "--list"), StringComparison.Ordinal);
    }

    [Fact]
    public void Reconcile_ExistingRemoteOfNodeNoLongerTrusted_KeptWithRefsAndUrlNotFollowed()
    {
        _remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeB, "bob", 9418, RepoId)));
        Git.Run(_repo.WorkDir, "update-ref", "refs/remotes/bob/main", _repo.Head());
        var trust = TrustList.Parse([NodeA]);

        var result = _remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeB, "bob", 9418, RepoId, address: IPAddress.Parse("10.0.0.2"))), trust);

        Assert.Equal(new ManagedRemote("bob", NodeB, "git://127.0.0.1:9418/repo"), Assert.Single(result));
        Assert.Equal("git://127.0.0.1:9418/repo", Config("remote.bob.url"));
        Assert.Equal(_repo.Head(), _repo.RefTarget("refs/remotes/bob/main"));
    }

    [Fact]
    public void Reconcile_EditedRefspecOfManagedRemote_Restored()
    {
        _remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeA, "alice", 9418, RepoId)));
        Git.Run(_repo.WorkDir, "config", "remote.alice.fetch", "+refs/heads/*:refs/heads/*");

        _remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeA, "alice", 9418, RepoId)));

        Assert.Equal("+refs/heads/*:refs/remotes/alice/*", Config("remote.alice.fetch"));
    }

    [Fact]
    public void Forget_ManagedRemote_RemovesRemoteAndRefs()
    {
        _remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeA, "alice", 9418, RepoId)));
        Git.Run(_repo.WorkDir, "update-ref", "refs/remotes/alice/main", _repo.Head());
        Git.Run(_repo.WorkDir, "update-ref", "refs/remotes/alice/feature/x", _repo.Head());

        var result = _remotes.Forget("alice");

        Assert.Equal(ForgetResult.Removed, result);
        Assert.Equal(string.Empty, Git.Run(_repo.WorkDir, "remote"));
        Assert.Equal(string.Empty, Git.Run(_repo.WorkDir, "for-each-ref", "refs/remotes/"));
    }

    [Fact]
    public void Forget_UserRemote_RefusedAndUntouched()
    {
        Git.Run(_repo.WorkDir, "remote", "add", "origin", "https://example.invalid/r.git");
        Git.Run(_repo.WorkDir, "update-ref", "refs/remotes/origin/main", _repo.Head());
        var before = _repo.AllRefs();

        var result = _remotes.Forget("origin");

        Assert.Equal(ForgetResult.NotManaged, result);
        Assert.Equal("https://example.invalid/r.git", Config("remote.origin.url"));
        Assert.Equal(before, _repo.AllRefs());
    }

    [Theory]
    [InlineData("nobody")]
    [InlineData("../config")]
    [InlineData("")]
    public void Forget_UnknownOrOddName_NotFound(string name)
    {
        Assert.Equal(ForgetResult.NotFound, _remotes.Forget(name));
    }
}
