using PeerMesh.TestSupport.Logging;
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
        Assert.Equal("true", Config("remote.alice.skipFetchAll"));
        Assert.Equal(NodeA, Config("remote.alice.peermeshNode"));
    }

    [Fact]
    public void Reconcile_AddedMovedForgotten_LogLinesInLowerCaseLikeTheRest()
    {
        var logger = new RecordingLogger<ManagedRemotes>();
        var remotes = new ManagedRemotes(_repo.GitDir, RepoId, _time, logger);
        remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeA, "alice", 9418, RepoId)));
        remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeA, "alice", 9500, RepoId)));
        remotes.Forget("alice");

        Assert.Equal(
            [
                $"added remote alice for node {NodeA} at git://127.0.0.1:9418/repo",
                "remote alice moved from git://127.0.0.1:9418/repo to git://127.0.0.1:9500/repo",
                $"forgot remote alice of node {NodeA}",
            ],
            logger.Lines.Select(l => l.Message));
    }

    [Theory]
    [InlineData("origin")]
    [InlineData("Origin")]
    [InlineData("upstream")]
    public void Reconcile_PeerNamedLikeTheUsersConventionalRemote_SuffixEvenWhenFree(string peerName)
    {
        var result = _remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeA, peerName, 9418, RepoId)));

        Assert.Equal(peerName.ToLowerInvariant() + "-aaaaaaaa", Assert.Single(result).Name);
        Assert.Equal("(unset)", Config($"remote.{peerName.ToLowerInvariant()}.url"));
    }

    [Theory]
    [InlineData("remote.pushDefault", "laptop")]
    [InlineData("checkout.defaultRemote", "laptop")]
    [InlineData("clone.defaultRemoteName", "laptop")]
    [InlineData("remote.pushDefault", "Laptop")]
    public void Reconcile_PeerNamedLikeTheUsersDefaultRemote_SuffixEvenWhenFree(string key, string value)
    {
        Git.Run(_repo.WorkDir, "config", key, value);

        var result = _remotes.Reconcile(Snapshot(
            FakeMembershipView.MakeMember(NodeA, "laptop", 9418, RepoId),
            FakeMembershipView.MakeMember(NodeB, "desktop", 9419, RepoId)));

        Assert.Equal(["desktop", "laptop-aaaaaaaa"], result.Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.Equal("(unset)", Config("remote.laptop.url"));
    }

    [Theory]
    [InlineData("fetch", "--all")]
    [InlineData("remote", "update")]
    public async Task Reconcile_PeerOfflineAndUserFetchesAll_ManagedRemoteNotContacted(string command, string argument)
    {
        await using var offline = new RecordingServer();
        using var upstream = TempRepo.Create("upstream");
        Git.Run(_repo.WorkDir, "remote", "add", "mine", upstream.WorkDir);
        _remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeA, "alice", offline.Port, RepoId)));

        // The user's own git, as they would run it: their remote is fetched, the peer's is not even tried.
        var (exit, stderr) = Git.TryRun(_repo.WorkDir, command, argument);

        Assert.Equal(0, offline.Connections);
        Assert.True(exit == 0, stderr);
        Assert.Equal(upstream.Head(), _repo.RefTarget("refs/remotes/mine/main"));
        Assert.Null(_repo.RefTarget("refs/remotes/alice/main"));
    }

    [Fact]
    public async Task Reconcile_NewRemote_WrittenInOneConfigWrite()
    {
        var events = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var sentinelSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(_repo.GitDir) { IncludeSubdirectories = false };
        watcher.Renamed += (_, e) => events.Enqueue("renamed " + e.OldName + " -> " + e.Name);
        watcher.Created += (_, e) =>
        {
            if (e.Name == "sentinel")
            {
                sentinelSeen.TrySetResult();
            }
        };
        watcher.EnableRaisingEvents = true;

        _remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeA, "alice", 9418, RepoId)));
        await File.WriteAllTextAsync(Path.Combine(_repo.GitDir, "sentinel"), "", TestContext.Current.CancellationToken);
        await sentinelSeen.Task.WaitAsync(TestContext.Current.CancellationToken);

        // libgit2 writes the config by renaming config.lock over it: one rename = one write.
        Assert.Equal(["renamed config.lock -> config"], events);
        Assert.Equal(NodeA, Config("remote.alice.peermeshNode"));
        Assert.Equal("git://127.0.0.1:9418/repo", Config("remote.alice.url"));
    }

    [Fact]
    public void Reconcile_SectionWithOnlyOurMarker_CompletedNotDuplicated()
    {
        // What a creation that wrote the marker first and died would leave.
        Git.Run(_repo.WorkDir, "config", "remote.alice.peermeshNode", NodeA);

        var result = _remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeA, "alice", 9418, RepoId)));

        Assert.Equal(new ManagedRemote("alice", NodeA, "git://127.0.0.1:9418/repo"), Assert.Single(result));
        Assert.Equal("git://127.0.0.1:9418/repo", Config("remote.alice.url"));
        Assert.Equal("+refs/heads/*:refs/remotes/alice/*", Config("remote.alice.fetch"));
        Assert.Equal("--no-tags", Config("remote.alice.tagOpt"));
        Assert.Equal("true", Config("remote.alice.skipFetchAll"));
        Assert.Equal("alice", Git.Run(_repo.WorkDir, "remote"));
    }

    [Fact]
    public void Reconcile_SectionWithOnlyOurMarkerPeerOffline_ListedWithoutUrlThenCompletedWhenItComes()
    {
        Git.Run(_repo.WorkDir, "config", "remote.alice.peermeshNode", NodeA);

        var offline = _remotes.Reconcile(Snapshot());
        var online = _remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeA, "alice", 9418, RepoId)));

        Assert.Equal(new ManagedRemote("alice", NodeA, null), Assert.Single(offline));
        Assert.Equal(new ManagedRemote("alice", NodeA, "git://127.0.0.1:9418/repo"), Assert.Single(online));
    }

    [Fact]
    public void Reconcile_RemoteWithoutMarkerAsAnInterruptedOldCreationLeftIt_NeverTakenOverPeerGetsItsOwn()
    {
        // The first write of the old three-write creation: indistinguishable from a remote the user added.
        Git.Run(_repo.WorkDir, "remote", "add", "alice", "git://127.0.0.1:9418/repo");
        Git.Run(_repo.WorkDir, "config", "remote.alice.fetch", "+refs/heads/*:refs/remotes/alice/*");
        var before = Git.Run(_repo.WorkDir, "config", "--get-regexp", "^remote\\.alice\\.");

        var result = _remotes.Reconcile(Snapshot(FakeMembershipView.MakeMember(NodeA, "alice", 9418, RepoId)));

        Assert.Equal(new ManagedRemote("alice-aaaaaaaa", NodeA, "git://127.0.0.1:9418/repo"), Assert.Single(result));
        Assert.Equal(before, Git.Run(_repo.WorkDir, "config", "--get-regexp", "^remote\\.alice\\."));
        Assert.Equal("true", Config("remote.alice-aaaaaaaa.skipFetchAll"));
    }

    [Fact]
    public void Reconcile_ManagedRemoteMadeBeforeSkipFetchAll_Upgraded()
    {
        // As an older version made it: no skipFetchAll; the peer is offline now.
        Git.Run(_repo.WorkDir, "remote", "add", "alice", "git://127.0.0.1:9418/repo");
        Git.Run(_repo.WorkDir, "config", "remote.alice.fetch", "+refs/heads/*:refs/remotes/alice/*");
        Git.Run(_repo.WorkDir, "config", "remote.alice.tagOpt", "--no-tags");
        Git.Run(_repo.WorkDir, "config", "remote.alice.peermeshNode", NodeA);

        _remotes.Reconcile(Snapshot());

        Assert.Equal("true", Config("remote.alice.skipFetchAll"));
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
    public void Reconcile_ThousandsOfNodesServingTheProject_CappedExistingKeptRefusedCounted()
    {
        var remotes = new ManagedRemotes(_repo.GitDir, RepoId, _time, NullLogger<ManagedRemotes>.Instance, maxRemotes: 64);
        var configBefore = new FileInfo(Path.Combine(_repo.GitDir, "config")).Length;
        var first = MadeUpNodes.Serving(RepoId, 3000);

        var result = remotes.Reconcile(new MembershipSnapshot(1, [.. first]));

        Assert.Equal(64, result.Length);
        Assert.Equal(new PeerMesh.Sync.Status.RemoteCapStatus(64, 64, 3000 - 64), remotes.Cap);
        Assert.Equal(64, Git.Run(_repo.WorkDir, "remote").Split('\n').Length);
        // Bounded: a section of five keys per remote, whatever the mesh holds.
        Assert.InRange(new FileInfo(Path.Combine(_repo.GitDir, "config")).Length - configBefore, 1, 64 * 400);

        // Thousands more: nothing added, nothing of the first 64 removed.
        var kept = result.Select(r => r.NodeId).ToHashSet();
        var second = remotes.Reconcile(new MembershipSnapshot(2, [.. first, .. MadeUpNodes.Serving(RepoId, 3000)]));

        Assert.Equal(kept, second.Select(r => r.NodeId).ToHashSet());
        Assert.Equal(6000 - 64, remotes.Cap.Refused);
    }

    [Fact]
    public void Reconcile_CapReached_SeedAndLanNodesBeforeGossipOnes()
    {
        var remotes = new ManagedRemotes(_repo.GitDir, RepoId, _time, NullLogger<ManagedRemotes>.Instance, maxRemotes: 2);
        var gossip = FakeMembershipView.MakeMember("0000000000000000000000000000000a", "gossip", 9418, RepoId) with { FoundBy = DiscoverySource.Gossip };
        var mdns = FakeMembershipView.MakeMember("fffffffffffffffffffffffffffffff1", "lan", 9418, RepoId) with { FoundBy = DiscoverySource.Mdns | DiscoverySource.Gossip };
        var seed = FakeMembershipView.MakeMember("fffffffffffffffffffffffffffffff2", "seed", 9418, RepoId) with { FoundBy = DiscoverySource.Seed };

        var result = remotes.Reconcile(Snapshot(gossip, mdns, seed));

        Assert.Equal(["lan", "seed"], result.Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.Equal(1, remotes.Cap.Refused);
    }

    [Fact]
    public void Reconcile_CapReachedButNodesPinned_PinnedAlwaysGetARemote()
    {
        var remotes = new ManagedRemotes(_repo.GitDir, RepoId, _time, NullLogger<ManagedRemotes>.Instance, maxRemotes: 1);
        var trust = TrustList.Parse([NodeA, NodeB]);

        var result = remotes.Reconcile(
            Snapshot(FakeMembershipView.MakeMember(NodeA, "alice", 9418, RepoId), FakeMembershipView.MakeMember(NodeB, "bob", 9418, RepoId)),
            trust);

        Assert.Equal(2, result.Length);
        Assert.Equal(0, remotes.Cap.Refused);
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
