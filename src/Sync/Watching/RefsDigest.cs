using System.Security.Cryptography;
using System.Text;
using LibGit2Sharp;

namespace PeerMesh.Sync.Watching;

/// <summary>
/// The digest a node announces for its branches: SHA-256, as lower-case hex, over every <c>refs/heads/*</c> ref's
/// name and target in ordinal order ("name\0target\n"). Equal digests mean equal branches.
/// </summary>
internal static class RefsDigest
{
    public const string HeadsPrefix = "refs/heads/";

    public static string Compute(string gitDir)
    {
        using var repo = new Repository(gitDir);
        return Compute(repo.Refs
            .Where(r => r.CanonicalName.StartsWith(HeadsPrefix, StringComparison.Ordinal))
            .Select(r => (r.CanonicalName, r.TargetIdentifier)));
    }

    public static string Compute(IEnumerable<(string Name, string Target)> refs)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, target) in refs.OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(name));
            sha.AppendData([0]);
            sha.AppendData(Encoding.UTF8.GetBytes(target));
            sha.AppendData([(byte)'\n']);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
