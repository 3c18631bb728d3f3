using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Wire;
using Xunit;

namespace PeerMesh.Mesh.Tests.Membership;

/// <summary>Paths a node serves its repositories at (<c>/&lt;name&gt;</c>, one per repository) and the hostile ones (HOSTILE 14).</summary>
public sealed class RepoPathTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/shop")]
    [InlineData("/shop-2")]
    [InlineData("/shop_2")]
    [InlineData("/Shop.v2")]
    [InlineData("/a/b")]
    public void IsValid_NamesANodeGives_Accepted(string path) => Assert.True(RepoPath.IsValid(path));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("shop")]
    [InlineData("//")]
    [InlineData("/shop/")]
    [InlineData("/..")]
    [InlineData("/../etc")]
    [InlineData("/shop/../x")]
    [InlineData("/.git")]
    [InlineData("/-shop")]
    [InlineData("/--upload-pack=x")]
    [InlineData("/shop 2")]
    [InlineData("/shop\n")]
    [InlineData("/~root")]
    [InlineData("/sh%6fp")]
    [InlineData("/shöp")]
    [InlineData("/a\\b")]
    public void IsValid_Hostile_Rejected(string? path) => Assert.False(RepoPath.IsValid(path));

    [Fact]
    public void IsValid_LongerThanTheCap_Rejected()
    {
        Assert.True(RepoPath.IsValid("/" + new string('a', RepoPath.MaxLength - 1)));
        Assert.False(RepoPath.IsValid("/" + new string('a', RepoPath.MaxLength)));
    }

    [Theory]
    [InlineData("/shop", true)]
    [InlineData("/shop-2", true)]
    [InlineData("/../shop", false)]
    public void IsRepo_PathOnTheDaemon_FollowsRepoPath(string path, bool valid) =>
        Assert.Equal(valid, WireValidation.IsRepo(new WireRepo { RepoId = "r", Name = "shop", Path = path, RefsDigest = "00", RefsVersion = 1 }));
}
