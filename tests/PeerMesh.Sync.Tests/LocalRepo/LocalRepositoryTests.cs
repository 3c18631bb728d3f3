using PeerMesh.Sync.LocalRepo;
using PeerMesh.TestSupport.Git;
using Xunit;

namespace PeerMesh.Sync.Tests.LocalRepo;

public sealed class LocalRepositoryTests
{
    [Fact]
    public void Open_Subfolder_FindsRepositoryAndUsesRootCommitAsRepoId()
    {
        using var repo = TempRepository.Create(commits: 3);
        var root = repo.Git("rev-list", "--max-parents=0", "HEAD").Trim();
        var sub = Directory.CreateDirectory(Path.Combine(repo.Path, "a", "b")).FullName;

        var local = LocalRepository.Open(sub);

        Assert.Equal(root, local.RepoId);
        Assert.Equal(repo.Path, local.WorkingDirectory);
        Assert.Equal(repo.GitDirectory, local.GitDirectory);
    }

    [Fact]
    public void Open_TwoClonesOfOneProject_HaveTheSameRepoId()
    {
        using var origin = TempRepository.Create(commits: 2);
        using var clone = TempRepository.CloneOf(origin);
        clone.Commit("work in the clone");

        Assert.Equal(LocalRepository.Open(origin.Path).RepoId, LocalRepository.Open(clone.Path).RepoId);
    }

    [Fact]
    public void Open_TwoProjectsWithTheSameFolderName_HaveDifferentRepoIds()
    {
        using var a = TempRepository.Create(name: "app");
        using var b = TempRepository.Create(name: "app");

        Assert.NotEqual(LocalRepository.Open(a.Path).RepoId, LocalRepository.Open(b.Path).RepoId);
    }

    [Fact]
    public void Open_MergedUnrelatedHistory_FollowsFirstParentToTheProjectsOwnRoot()
    {
        using var repo = TempRepository.Create(commits: 2);
        var root = LocalRepository.Open(repo.Path).RepoId;
        repo.Git("checkout", "-q", "--orphan", "other");
        repo.Commit("unrelated root");
        repo.Git("checkout", "-q", "main");
        repo.Git("merge", "-q", "--allow-unrelated-histories", "-m", "join", "other");

        Assert.Equal(root, LocalRepository.Open(repo.Path).RepoId);
    }

    [Fact]
    public void Open_ShallowClone_SaysItsIdIsTheCutNotTheProjectsRoot()
    {
        using var origin = TempRepository.Create(commits: 3);
        using var shallow = TempRepository.ShallowCloneOf(origin, depth: 1);

        var local = LocalRepository.Open(shallow.Path);

        Assert.True(local.ShallowCut);
        Assert.Equal(shallow.Head(), local.RepoId);
        Assert.NotEqual(LocalRepository.Open(origin.Path).RepoId, local.RepoId);
        Assert.False(LocalRepository.Open(origin.Path).ShallowCut);
    }

    [Fact]
    public void Open_ShallowCloneDeepEnoughToHoldTheRoot_IsNoCut()
    {
        using var origin = TempRepository.Create(commits: 2);
        using var shallow = TempRepository.ShallowCloneOf(origin, depth: 5);

        var local = LocalRepository.Open(shallow.Path);

        Assert.False(local.ShallowCut);
        Assert.Equal(LocalRepository.Open(origin.Path).RepoId, local.RepoId);
    }

    [Fact]
    public void Open_ShallowCloneWithConfiguredRepoId_MatchesTheProject()
    {
        using var origin = TempRepository.Create(commits: 3);
        using var shallow = TempRepository.ShallowCloneOf(origin, depth: 1);
        var project = LocalRepository.Open(origin.Path).RepoId;
        shallow.Git("config", "peermesh.repoId", project);

        var local = LocalRepository.Open(shallow.Path);

        Assert.False(local.ShallowCut);
        Assert.Equal(project, local.RepoId);
    }

    [Fact]
    public void Open_ConfiguredRepoId_Overrides()
    {
        using var repo = TempRepository.Create();
        repo.Git("config", "peermesh.repoId", "my-project.v2");

        Assert.Equal("my-project.v2", LocalRepository.Open(repo.Path).RepoId);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a b")]
    [InlineData("abc")]
    public void Open_InvalidConfiguredRepoId_ThrowsOneLineError(string value)
    {
        using var repo = TempRepository.Create();
        repo.Git("config", "peermesh.repoId", value);

        var error = Assert.Throws<RepositoryLookupException>(() => LocalRepository.Open(repo.Path));
        Assert.Contains("peermesh.repoId", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Open_NotARepository_Throws()
    {
        var dir = Directory.CreateTempSubdirectory("peermesh-norepo-");
        try
        {
            var error = Assert.Throws<RepositoryLookupException>(() => LocalRepository.Open(dir.FullName));
            Assert.Contains("not inside a git repository", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Open_NoCommitYet_Throws()
    {
        using var repo = TempRepository.Create(commits: 0);

        var error = Assert.Throws<RepositoryLookupException>(() => LocalRepository.Open(repo.Path));
        Assert.Contains("no commit yet", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_BareRepository_ServedWithItsGitDirectoryAsItsPath()
    {
        using var repo = TempRepository.Create();
        var bare = Path.Combine(repo.Root, "relay.git");
        GitCli.Run(repo.Root, "clone", "-q", "--bare", repo.Path, bare);

        var opened = LocalRepository.Open(bare);

        Assert.Equal((bare, bare, "relay"), (opened.WorkingDirectory, opened.GitDirectory, opened.Name));
        Assert.Equal(LocalRepository.Open(repo.Path).RepoId, opened.RepoId);
    }
}
