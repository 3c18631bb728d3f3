using PeerMesh.TestSupport.Netns;
using Xunit;

namespace PeerMesh.EndToEnd.Tests.Netns;

public sealed class NetnsSweeperTests
{
    [Theory]
    [InlineData("other-1-abcd-h1")]
    [InlineData("pmt-notapid-abcd-h1")]
    [InlineData("pmt")]
    public void IsStale_NotOurName_False(string name)
    {
        Assert.False(NetnsSweeper.IsStale(name, DateTime.UnixEpoch));
    }

    [Fact]
    public void IsStale_OwnRunCreatedNow_False()
    {
        Assert.False(NetnsSweeper.IsStale($"pmt-{Environment.ProcessId}-abcd-h1", DateTime.UtcNow));
    }

    [Fact]
    public void IsStale_OwnPidButCreatedBeforeThisProcessStarted_True()
    {
        // The pid was reused: the leftover belongs to an earlier run.
        Assert.True(NetnsSweeper.IsStale($"pmt-{Environment.ProcessId}-abcd-h1", DateTime.UnixEpoch));
    }

    [Fact]
    public void IsStale_PidNotRunning_True()
    {
        var pid = 3_999_000;
        while (Directory.Exists($"/proc/{pid}"))
        {
            pid++;
        }

        Assert.True(NetnsSweeper.IsStale($"pmt-{pid}-abcd-sw", DateTime.UtcNow));
    }
}
