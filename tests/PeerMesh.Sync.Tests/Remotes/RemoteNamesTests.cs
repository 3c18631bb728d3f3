using PeerMesh.Sync.Remotes;
using PeerMesh.Sync.Tests.Support;
using Xunit;

namespace PeerMesh.Sync.Tests.Remotes;

public sealed class RemoteNamesTests
{
    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("Alice-Laptop", "alice-laptop")]
    [InlineData("alice.local", "alice-local")]
    [InlineData("a:b", "a-b")]
    [InlineData("a*b", "a-b")]
    [InlineData("a..b", "a-b")]
    [InlineData("a@{1}", "a-1")]
    [InlineData("my laptop", "my-laptop")]
    [InlineData("tab\there", "tab-here")]
    [InlineData("nul\0bell\a", "nul-bell")]
    [InlineData("HEAD", "peer-head")]
    [InlineData("FETCH_HEAD", "peer-fetch_head")]
    [InlineData("-rf", "rf")]
    [InlineData("--upload-pack=touch x", "upload-pack-touch-x")]
    [InlineData("../../etc/passwd", "etc-passwd")]
    [InlineData("x.lock", "x-lock")]
    [InlineData("@", "peer")]
    [InlineData("", "peer")]
    [InlineData("   ", "peer")]
    [InlineData("ünïcødé", "n-c-d")]
    [InlineData("a/b", "a-b")]
    [InlineData("a\\b", "a-b")]
    [InlineData("a~b^c?d[e", "a-b-c-d-e")]
    public void Sanitize_HostileName_MapsToSafeName(string input, string expected)
    {
        var name = RemoteNames.Sanitize(input);

        Assert.Equal(expected, name);
        Assert.True(RemoteNames.IsSafe(name));
        Assert.Equal(string.Empty, Git.Run(Path.GetTempPath(), "check-ref-format", $"refs/remotes/{name}/main"));
    }

    [Fact]
    public void Sanitize_TenThousandCharacters_CappedAtMaxLength()
    {
        var name = RemoteNames.Sanitize(new string('x', 10_000));

        Assert.Equal(new string('x', RemoteNames.MaxLength), name);
    }

    [Fact]
    public void Sanitize_Null_Fallback()
    {
        Assert.Equal("peer", RemoteNames.Sanitize(null));
    }

    [Fact]
    public void Choose_BaseNameTaken_AddsShortNodeSuffix()
    {
        var name = RemoteNames.Choose("alice", "0123456789abcdef0123456789abcdef", n => n == "alice");

        Assert.Equal("alice-01234567", name);
    }

    [Fact]
    public void Choose_ShortSuffixTakenToo_UsesLongerSuffix()
    {
        var name = RemoteNames.Choose("alice", "0123456789abcdef0123456789abcdef", n => n is "alice" or "alice-01234567");

        Assert.Equal("alice-0123456789abcdef", name);
    }

    [Fact]
    public void Choose_NodeIdWithHostileCharacters_SuffixIsHexOnly()
    {
        var name = RemoteNames.Choose("alice", "../:*ab", n => n == "alice");

        Assert.Equal("alice-ab", name);
    }

    [Theory]
    [InlineData("alice", true)]
    [InlineData("alice-0123", true)]
    [InlineData("Alice", false)]
    [InlineData("-alice", false)]
    [InlineData("a b", false)]
    [InlineData("a/b", false)]
    [InlineData("", false)]
    public void IsSafe_Names_Expected(string name, bool expected)
    {
        Assert.Equal(expected, RemoteNames.IsSafe(name));
    }
}
