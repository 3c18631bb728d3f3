using PeerMesh.Mesh.Membership;
using PeerMesh.Sync.Serving;
using Xunit;

namespace PeerMesh.Sync.Tests.Serving;

public sealed class ServedNameTests
{
    [Theory]
    [InlineData("/src/shop", "shop")]
    [InlineData("/src/shop/", "shop")]
    [InlineData("/src/shop/.git", "shop")]
    [InlineData("/srv/shop.git", "shop")]
    [InlineData("/srv/shop.GIT", "shop")]
    [InlineData("/srv/a.git.git", "a")]
    [InlineData("/src/my project (old)", "my-project-old")]
    [InlineData("/src/.dotfiles", "dotfiles")]
    [InlineData("/src/--force", "force")]
    [InlineData("/src/café-app", "caf-app")]
    [InlineData("/src/日本", "repo")]
    [InlineData("/src/...", "repo")]
    [InlineData("/src/a\nb\tc", "a-b-c")]
    [InlineData("/src/~user", "user")]
    [InlineData("/src/x.git-", "x")]
    [InlineData("/", "repo")]
    public void FromFolder_FolderName_ValidName(string path, string expected)
    {
        var name = ServedName.FromFolder(path);

        Assert.Equal(expected, name);
        Assert.True(ServedName.IsValid(name));
    }

    [Fact]
    public void FromFolder_LongName_CutToTheCap()
    {
        var name = ServedName.FromFolder("/src/" + new string('a', 100));

        Assert.Equal(new string('a', ServedName.MaxLength), name);
    }

    [Fact]
    public void FromFolder_CutLandsOnDotGit_NoDotGitEnd()
    {
        var name = ServedName.FromFolder("/src/" + new string('a', ServedName.MaxLength - 4) + ".git.more");

        Assert.Equal(new string('a', ServedName.MaxLength - 4), name);
    }

    [Fact]
    public void Unique_NameTaken_NextFreeSuffix()
    {
        Assert.Equal("shop", ServedName.Unique("shop", ["web"]));
        Assert.Equal("shop-2", ServedName.Unique("shop", ["shop"]));
        Assert.Equal("shop-3", ServedName.Unique("shop", ["shop", "shop-2"]));
        Assert.Equal("shop-2", ServedName.Unique("shop", ["SHOP"]));
        Assert.Equal("Shop-2", ServedName.Unique("Shop", ["shop"]));
    }

    [Fact]
    public void Unique_LongNameTaken_SuffixFitsTheCap()
    {
        var wanted = new string('b', 80);
        var first = ServedName.Unique(wanted, []);

        var second = ServedName.Unique(wanted, [first]);

        Assert.Equal(new string('b', ServedName.MaxLength - 2) + "-2", second);
        Assert.True(ServedName.IsValid(second));
    }

    [Theory]
    [InlineData("shop", true)]
    [InlineData("shop-2", true)]
    [InlineData("a.b_c-d", true)]
    [InlineData("shop.gitx", true)]
    [InlineData("", false)]
    [InlineData("a/b", false)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData(".hidden", false)]
    [InlineData("-rf", false)]
    [InlineData("shop.git", false)]
    [InlineData("shop.GIT", false)]
    [InlineData("a b", false)]
    [InlineData("a\nb", false)]
    [InlineData("~root", false)]
    [InlineData("café", false)]
    public void IsValid_Name_AsExpected(string name, bool valid) => Assert.Equal(valid, ServedName.IsValid(name));

    [Fact]
    public void IsValid_LongerThanTheCap_Invalid()
    {
        Assert.True(ServedName.IsValid(new string('a', ServedName.MaxLength)));
        Assert.False(ServedName.IsValid(new string('a', ServedName.MaxLength + 1)));
    }

    /// <summary>What the node announces (<c>/NAME</c>) passes the mesh's own check of a repository path, whatever the folder.</summary>
    [Fact]
    public void Choose_AnyFolderName_UniqueValidAndARepoPathTheMeshAccepts()
    {
        var random = new Random(13);
        var taken = new List<string>();
        for (var i = 0; i < 2000; i++)
        {
            var folder = new string([.. Enumerable.Range(0, random.Next(0, 90)).Select(_ => (char)random.Next(1, 0x3000))]);
            // Many repositories in folders with the same few names.
            var path = "/src/" + (i % 3 == 0 ? folder : "shop" + (i % 7)) + (i % 5 == 0 ? "/.git" : "");

            var name = ServedName.Choose(path, taken);

            Assert.True(ServedName.IsValid(name), name);
            Assert.True(RepoPath.IsValid(ServedName.UrlPath(name)), name);
            Assert.DoesNotContain(name, taken, ServedName.Comparer);
            taken.Add(name);
        }
    }
}
