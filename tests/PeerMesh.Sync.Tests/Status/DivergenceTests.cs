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
    public void Compute_BranchOnlyOnOneSide_Omitted()
    {
        Git.Run(_repo.WorkDir, "update-ref", "refs/remotes/peer/only-peer", _repo.Head());
        Git.Run(_repo.WorkDir, "branch", "only-local");
        Git.Run(_repo.WorkDir, "update-ref", "refs/remotes/peer/main", _repo.Head());

        var result = new Divergence(_repo.GitDir).Compute("peer");

        Assert.Equal([new BranchDivergence("main", 0, 0)], result);
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
