using PeerMesh.Sync.Status;
using PeerMesh.Sync.Tests.Support;
using Xunit;

namespace PeerMesh.Sync.Tests.Status;

public sealed class DivergenceTests : IDisposable
{
    private readonly TempRepo _repo = TempRepo.Create();

    public void Dispose() => _repo.Dispose();

    [Fact]
    public void Compute_PeerTwoAheadLocalOneAhead_CountsBothWays()
    {
        var fork = _repo.Head();
        _repo.Commit("peer 1");
        var peerTip = _repo.Commit("peer 2");
        Git.Run(_repo.WorkDir, "update-ref", "refs/remotes/peer/main", peerTip);
        Git.Run(_repo.WorkDir, "reset", "-q", "--hard", fork);
        _repo.Commit("mine");

        var result = new Divergence(_repo.GitDir).Compute("peer");

        Assert.Equal([new BranchDivergence("main", 2, 1)], result);
    }

    [Fact]
    public void Compute_BranchOnlyLocal_Omitted()
    {
        Git.Run(_repo.WorkDir, "branch", "only-local");
        Git.Run(_repo.WorkDir, "update-ref", "refs/remotes/peer/main", _repo.Head());

        var result = new Divergence(_repo.GitDir).Compute("peer");

        Assert.Equal([new BranchDivergence("main", 0, 0)], result);
    }

    [Fact]
    public void Compute_BranchOnlyOnPeerAtALocalCommit_NotLocalWithNothingNew()
    {
        Git.Run(_repo.WorkDir, "update-ref", "refs/remotes/peer/only-peer", _repo.Head());
        Git.Run(_repo.WorkDir, "update-ref", "refs/remotes/peer/main", _repo.Head());

        var result = new Divergence(_repo.GitDir).Compute("peer");

        Assert.Equal([new BranchDivergence("main", 0, 0), new BranchDivergence("only-peer", 0, 0, Local: false)], result);
    }

    [Fact]
    public void Compute_BranchOnlyOnPeer_CountsCommitsReachableFromNoLocalBranch()
    {
        var main = _repo.Head();
        Git.Run(_repo.WorkDir, "checkout", "-q", "-b", "other");
        var onOther = _repo.Commit("on a local branch that is not HEAD's");
        Git.Run(_repo.WorkDir, "checkout", "-q", "-b", "feature/x");
        _repo.Commit("new 1");
        var peerTip = _repo.Commit("new 2");
        Git.Run(_repo.WorkDir, "update-ref", "refs/remotes/peer/feature/x", peerTip);
        Git.Run(_repo.WorkDir, "checkout", "-q", "main");
        Git.Run(_repo.WorkDir, "branch", "-D", "feature/x");
        Assert.NotEqual(main, onOther);

        var result = new Divergence(_repo.GitDir).Compute("peer");

        // "on a local branch" is reachable from refs/heads/other: only the two commits nobody local has count.
        Assert.Equal([new BranchDivergence("feature/x", 2, 0, Local: false)], result);
    }

    [Fact]
    public void Compute_BranchOnlyOnPeerInEmptyLocalRepository_CountsAllItsCommits()
    {
        var empty = Path.Combine(_repo.Root, "empty");
        Directory.CreateDirectory(empty);
        Git.Run(empty, "init", "-q", "-b", "main");
        _repo.Commit("second");
        Git.Run(empty, "fetch", "-q", _repo.GitDir, "+refs/heads/main:refs/remotes/peer/main");

        var result = new Divergence(Path.Combine(empty, ".git")).Compute("peer");

        Assert.Equal([new BranchDivergence("main", 2, 0, Local: false)], result);
    }

    [Fact]
    public void Compute_NestedBranchNames_Matched()
    {
        Git.Run(_repo.WorkDir, "branch", "feature/x");
        var tip = _repo.Commit("on main");
        Git.Run(_repo.WorkDir, "update-ref", "refs/remotes/peer/feature/x", tip);

        var result = new Divergence(_repo.GitDir).Compute("peer");

        Assert.Equal([new BranchDivergence("feature/x", 1, 0)], result);
    }

    [Fact]
    public void Compute_OtherRemotesRefs_Ignored()
    {
        Git.Run(_repo.WorkDir, "update-ref", "refs/remotes/peer2/main", _repo.Head());

        Assert.Empty(new Divergence(_repo.GitDir).Compute("peer"));
    }
}
