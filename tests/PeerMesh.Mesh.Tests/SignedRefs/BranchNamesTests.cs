using PeerMesh.Mesh.SignedRefs;
using Xunit;

namespace PeerMesh.Mesh.Tests.SignedRefs;

public sealed class BranchNamesTests
{
    [Theory]
    [InlineData("main")]
    [InlineData("feature/x")]
    [InlineData("fix/ünïcode")]
    [InlineData("v1.2")]
    [InlineData("a-b_c+d=e,f")]
    [InlineData("x@y")]
    public void IsValid_BranchNamesGitAccepts_True(string name)
    {
        Assert.True(BranchNames.IsValid(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("HEAD")]
    [InlineData("@")]
    [InlineData("/main")]
    [InlineData("main/")]
    [InlineData("main.")]
    [InlineData("a..b")]
    [InlineData("a//b")]
    [InlineData("a@{1}")]
    [InlineData(".hidden")]
    [InlineData("a/.hidden")]
    [InlineData("x.lock")]
    [InlineData("a/x.lock/b")]
    [InlineData("with space")]
    [InlineData("tab\there")]
    [InlineData("new\nline")]
    [InlineData("del\u007f")]
    [InlineData("a~1")]
    [InlineData("a^2")]
    [InlineData("a:b")]
    [InlineData("a?")]
    [InlineData("a*")]
    [InlineData("a[b")]
    [InlineData("a\\b")]
    public void IsValid_NamesGitOrWeRefuse_False(string name)
    {
        Assert.False(BranchNames.IsValid(name));
    }

    [Fact]
    public void IsValid_LoneSurrogate_False()
    {
        Assert.False(BranchNames.IsValid("lone" + (char)0xD800 + "surrogate"));
    }

    [Fact]
    public void IsValid_ByteLength_AtMost255()
    {
        Assert.True(BranchNames.IsValid(new string('a', 255)));
        Assert.False(BranchNames.IsValid(new string('a', 256)));
        Assert.False(BranchNames.IsValid(new string('é', 128))); // 256 bytes of UTF-8
    }
}
