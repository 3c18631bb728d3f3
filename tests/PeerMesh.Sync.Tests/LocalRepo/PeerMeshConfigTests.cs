using PeerMesh.Sync.LocalRepo;
using PeerMesh.TestSupport.Git;
using Xunit;

namespace PeerMesh.Sync.Tests.LocalRepo;

public sealed class PeerMeshConfigTests
{
    [Fact]
    public void Read_RepositoryConfig_ReturnsPeerMeshKeysWithMultipleValuesInOrder()
    {
        using var repo = TempRepository.Create();
        repo.Git("config", "peermesh.name", "first");
        repo.Git("config", "--add", "peermesh.name", "second");
        repo.Git("config", "--add", "peermesh.peer", "a:1");
        repo.Git("config", "--add", "peermesh.peer", "b:2");
        repo.Git("config", "other.name", "ignored");

        var config = PeerMeshConfig.Read(repo.GitDirectory);

        Assert.Equal("second", config.Get("name"));
        Assert.Equal(["a:1", "b:2"], config.GetAll("peer"));
        Assert.Equal("a:1", config.GetAll("PEER")[0]);
        Assert.Null(config.Get("missing"));
    }
}
