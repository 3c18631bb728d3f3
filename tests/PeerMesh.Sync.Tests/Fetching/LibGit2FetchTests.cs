using PeerMesh.Sync.Fetching;
using PeerMesh.Sync.Health;
using Xunit;

namespace PeerMesh.Sync.Tests.Fetching;

public sealed class LibGit2FetchTests
{
    [Fact]
    public void Layout_BundledLibgit2_SameMinorVersionAsTheDeclaredStructs()
    {
        // Updating LibGit2Sharp to one bundling another libgit2 must fail here, not as memory corruption in a fetch.
        var version = LibGit2Check.Read();

        Assert.NotNull(version);
        Assert.Equal(LibGit2Fetch.Layout, new Version(version.Major, version.Minor));
    }
}
