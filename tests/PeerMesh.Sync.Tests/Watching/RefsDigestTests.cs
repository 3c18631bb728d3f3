using PeerMesh.Sync.Tests.Support;
using PeerMesh.Sync.Watching;
using Xunit;

namespace PeerMesh.Sync.Tests.Watching;

public sealed class RefsDigestTests
{
    [Fact]
    public void Compute_NoRefs_Sha256OfNothing()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", RefsDigest.Compute([]));
    }

    [Fact]
    public void Compute_OrderOfInput_Irrelevant()
    {
        var a = RefsDigest.Compute([("refs/heads/a", "1"), ("refs/heads/b", "2")]);
        var b = RefsDigest.Compute([("refs/heads/b", "2"), ("refs/heads/a", "1")]);

        Assert.Equal(a, b);
    }

    [Fact]
    public void Compute_TargetMoves_DigestChanges()
    {
        Assert.NotEqual(RefsDigest.Compute([("refs/heads/a", "1")]), RefsDigest.Compute([("refs/heads/a", "2")]));
    }

    [Fact]
    public void Compute_Repository_OnlyHeadsAndTheBranchCheckedOutCountAndMatchesGit()
    {
        using var repo = TempRepo.Create();
        Git.Run(repo.WorkDir, "branch", "feature/x");
        var expected = RefsDigest.Compute(Git.Run(repo.WorkDir, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads")
            .Split('\n')
            .Select(line => (line.Split(' ')[0], line.Split(' ')[1]))
            .Append(("HEAD", Git.Run(repo.WorkDir, "symbolic-ref", "HEAD").Trim())));
        var before = RefsDigest.Compute(repo.GitDir);

        Git.Run(repo.WorkDir, "tag", "v1");
        Git.Run(repo.WorkDir, "update-ref", "refs/remotes/someone/main", repo.Head());
        Git.Run(repo.WorkDir, "pack-refs", "--all");

        Assert.Equal(expected, before);
        Assert.Equal(before, RefsDigest.Compute(repo.GitDir));
        Git.Run(repo.WorkDir, "checkout", "-q", "feature/x");
        Assert.NotEqual(before, RefsDigest.Compute(repo.GitDir));
    }
}
