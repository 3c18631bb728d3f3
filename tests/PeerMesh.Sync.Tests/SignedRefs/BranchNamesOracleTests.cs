using CsCheck;
using LibGit2Sharp;
using PeerMesh.Mesh.SignedRefs;
using Xunit;

namespace PeerMesh.Sync.Tests.SignedRefs;

/// <summary><see cref="BranchNames"/> (Mesh has no libgit2) against libgit2's own ref name check as an oracle.</summary>
public sealed class BranchNamesOracleTests
{
    [Fact]
    public void IsValid_GeneratedNames_AgreesWithLibGit2ExceptTheNamesWeAlsoRefuse()
    {
        var name = Gen.Char["ab/.-@{}~^:?*[\\ \t\u007fé"].Array[1, 10].Select(chars => new string(chars));
        name.Sample(n =>
        {
            var ours = BranchNames.IsValid(n);
            var git = Reference.IsValidName("refs/heads/" + n);
            // Ours is stricter where git is: HEAD and @ (git branch refuses them) and DEL (git check-ref-format refuses
            // it; libgit2 lets it through).
            if (n is "HEAD" or "@" || n.Contains('\u007f', StringComparison.Ordinal))
            {
                Assert.False(ours);
            }
            else
            {
                Assert.True(ours == git, $"{string.Join(" ", n.Select(c => ((int)c).ToString("x")))}: ours {ours}, libgit2 {git}");
            }
        }, iter: 20_000);
    }
}
