using LibGit2Sharp;
using PeerMesh.Mesh.SignedRefs;
using PeerMesh.Sync.SignedRefs;
using PeerMesh.TestSupport.Git;
using Xunit;

namespace PeerMesh.Sync.Tests.SignedRefs;

public sealed class OwnBranchesTests : IDisposable
{
    private readonly TempRepository _repo = TempRepository.Create();

    [Fact]
    public void ByPriority_CheckedOutBranchFirstThenByName()
    {
        var main = _repo.Head();
        var zeta = _repo.Commit("zeta", branch: "zeta");
        _repo.Git("branch", "alpha", main);
        _repo.Git("symbolic-ref", "refs/heads/alias", "refs/heads/main");
        _repo.Git("tag", "v1");
        _repo.Git("update-ref", "refs/remotes/origin/main", main);

        using var repo = new Repository(_repo.Path);

        Assert.Equal([new BranchTip("zeta", zeta), new BranchTip("alpha", main), new BranchTip("main", main)], OwnBranches.ByPriority(repo));
    }

    [Fact]
    public void ByPriority_DetachedHead_ByNameOnly()
    {
        var main = _repo.Head();
        _repo.Git("branch", "a", main);
        _repo.Git("checkout", "-q", "--detach");

        using var repo = new Repository(_repo.Path);

        Assert.Equal([new BranchTip("a", main), new BranchTip("main", main)], OwnBranches.ByPriority(repo));
    }

    public void Dispose() => _repo.Dispose();
}
