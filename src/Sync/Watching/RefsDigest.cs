using PeerMesh.Mesh.Security;
using LibGit2Sharp;

namespace PeerMesh.Sync.Watching;

/// <summary>
/// The digest of the local branches the ref watcher compares: SHA-256, as lower-case hex, over every <c>refs/heads/*</c>
/// ref's name and target in ordinal order ("name\0target\n"), and HEAD's target (the branch it names, or a commit when
/// detached). Equal digests mean equal branches and the same branch checked out: whether HEAD is served depends on it
/// (only when the checked-out branch is shared), so a checkout alone signs again and rewrites what the daemon advertises.
/// </summary>
internal static class RefsDigest
{
    public const string HeadsPrefix = "refs/heads/";

    public static string Compute(string gitDir)
    {
        using var repo = new Repository(gitDir);
        var heads = repo.Refs
            .Where(r => r.CanonicalName.StartsWith(HeadsPrefix, StringComparison.Ordinal))
            .Select(r => (r.CanonicalName, r.TargetIdentifier));
        return Compute(repo.Refs.Head is { } head ? heads.Append(("HEAD", head.TargetIdentifier)) : heads);
    }

    public static string Compute(IEnumerable<(string Name, string Target)> refs) => Sha256Digest.OfRefs(refs);
}
