using PeerMesh.Sync.LocalRepo;
using Xunit;

namespace PeerMesh.Sync.Tests.LocalRepo;

public sealed class LibGit2LimitsTests
{
    [Fact]
    public void Apply_OnThisMachine_LibGit2ReportsTheBounds()
    {
        Assert.True(LibGit2Limits.Apply());

        // Read back from libgit2 itself: its defaults here are 1 GiB windows and 8 GiB mapped.
        Assert.Equal((LibGit2Limits.WindowSize, LibGit2Limits.MappedLimit), LibGit2Limits.Read());
    }
}
