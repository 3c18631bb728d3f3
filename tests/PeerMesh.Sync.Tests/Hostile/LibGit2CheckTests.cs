using PeerMesh.Sync.Health;
using Xunit;

namespace PeerMesh.Sync.Tests.Hostile;

/// <summary>HOSTILE-INPUTS 44: the bundled libgit2 is checked against known security fixes (warned at `up` and by doctor).</summary>
public sealed class LibGit2CheckTests
{
    [Fact]
    public void Read_BundledLibrary_KnownAndNotOlderThanTheSecurityFixes()
    {
        var version = LibGit2Check.Read();

        Assert.NotNull(version);
        Assert.True(version >= LibGit2Check.MinimumSafe, $"bundled libgit2 {version} is older than {LibGit2Check.MinimumSafe}");
        Assert.Null(LibGit2Check.Warning(version));
    }

    [Theory]
    [InlineData("1.7.1")]
    [InlineData("1.6.4")]
    [InlineData("0.28.0")]
    public void Warning_OlderThanTheFixes_NamesBothVersions(string version)
    {
        var warning = LibGit2Check.Warning(Version.Parse(version));

        Assert.Equal($"the bundled libgit2 {version} predates known security fixes (need 1.7.2 or later); update PeerMesh", warning);
    }

    [Fact]
    public void Warning_VersionUnknown_SaysItCannotTell()
    {
        Assert.Equal("cannot tell the version of the bundled libgit2; it may lack security fixes", LibGit2Check.Warning(null));
    }

    [Theory]
    [InlineData("1.7.2")]
    [InlineData("1.9.0")]
    public void Warning_WithTheFixes_None(string version)
    {
        Assert.Null(LibGit2Check.Warning(Version.Parse(version)));
    }
}
