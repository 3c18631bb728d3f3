using System.Collections.Immutable;

namespace PeerMesh.Mesh.SignedRefs;

/// <summary>
/// What a newly accepted statement changes against the previous one: branches added, moved, and deleted (named by the
/// previous statement and absent from the new one). Deleted branches leave the receiver's tracking refs, as
/// <c>git fetch --prune</c> would; a statement that was never accepted deletes nothing.
/// </summary>
internal sealed record StatementDiff(ImmutableArray<BranchTip> Added, ImmutableArray<BranchTip> Moved, ImmutableArray<string> Deleted)
{
    public bool IsEmpty => Added.IsEmpty && Moved.IsEmpty && Deleted.IsEmpty;

    public static StatementDiff Between(RefsStatement? previous, RefsStatement next)
    {
        var old = previous?.Branches.ToDictionary(b => b.Name, b => b.CommitId, StringComparer.Ordinal)
                  ?? new Dictionary<string, string>(StringComparer.Ordinal);
        var added = ImmutableArray.CreateBuilder<BranchTip>();
        var moved = ImmutableArray.CreateBuilder<BranchTip>();
        foreach (var tip in next.Branches)
        {
            if (!old.Remove(tip.Name, out var commit))
            {
                added.Add(tip);
            }
            else if (!string.Equals(commit, tip.CommitId, StringComparison.Ordinal))
            {
                moved.Add(tip);
            }
        }

        var deleted = old.Keys.Order(Comparer<string>.Create(BranchNames.Compare)).ToImmutableArray();
        return new StatementDiff(added.ToImmutable(), moved.ToImmutable(), deleted);
    }
}
