using PeerMesh.TestSupport.Netns;
using Xunit;

namespace PeerMesh.EndToEnd.Tests.Netns;

public sealed class NetnsProcessInfoTests
{
    [Theory]
    [InlineData("git-daemon", new[] { "git-daemon", "--reuseaddr" }, "git-daemon", true)]
    [InlineData("git", new[] { "git", "daemon", "--reuseaddr" }, "git-daemon", true)]
    [InlineData("git", new[] { "/usr/bin/git", "daemon" }, "git-daemon", true)]
    [InlineData("git", new[] { "git", "fetch" }, "git-daemon", false)]
    [InlineData("sleep", new[] { "git-daemon", "300" }, "git-daemon", true)]
    [InlineData("dotnet", new[] { "dotnet", "peermesh.dll", "up" }, "git-daemon", false)]
    [InlineData("dotnet", new[] { "dotnet", "peermesh.dll", "up" }, "dotnet", true)]
    public void IsNamed_CommAndCommandLine_MatchesNameOrDashedForm(string comm, string[] commandLine, string name, bool expected)
    {
        Assert.Equal(expected, new NetnsProcessInfo(1, comm, commandLine).IsNamed(name));
    }
}
