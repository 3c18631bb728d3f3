using LibGit2Sharp;
using PeerMesh.Mesh.SignedRefs;

namespace PeerMesh.Sync.SignedRefs;

/// <summary>
/// A node's own branches for its statement, in order of priority for the caps: the checked-out branch first, then the
/// rest by name. Only direct refs under <c>refs/heads/</c> that point at a commit (a symbolic branch is an alias of
/// another, already listed). Choosing which branches are shared (<c>peermesh.share</c>) comes on top of this.
/// </summary>
internal static class OwnBranches
{
    private const string Heads = "refs/heads/";

    public static IReadOnlyList<BranchTip> ByPriority(Repository repo)
    {
        var current = repo.Info.IsHeadUnborn || repo.Info.IsHeadDetached ? null : repo.Refs.Head?.TargetIdentifier;
        var tips = new List<BranchTip>();
        foreach (var reference in repo.Refs.FromGlob(Heads + "*"))
        {
            if (reference is DirectReference { Target: Commit } direct && reference.CanonicalName.StartsWith(Heads, StringComparison.Ordinal))
            {
                tips.Add(new BranchTip(reference.CanonicalName[Heads.Length..], direct.TargetIdentifier));
            }
        }

        return [.. tips
            .OrderBy(t => Heads + t.Name == current ? 0 : 1)
            .ThenBy(t => t.Name, Comparer<string>.Create(BranchNames.Compare))];
    }
}
