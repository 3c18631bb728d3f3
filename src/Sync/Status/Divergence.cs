using System.Collections.Immutable;
using LibGit2Sharp;

namespace PeerMesh.Sync.Status;

/// <summary>
/// Ahead/behind for each branch X present as <c>refs/heads/X</c> and <c>refs/remotes/REMOTE/X</c>, by
/// <see cref="ObjectDatabase.CalculateHistoryDivergence"/>. Opens its own repository per call.
/// </summary>
internal sealed class Divergence : IDivergenceSource
{
    /// <summary>Cap on branches compared per remote (a peer could have thousands; status stays small).</summary>
    public const int MaxBranches = 200;

    private readonly string _gitDir;

    public Divergence(string gitDir)
    {
        _gitDir = gitDir;
    }

    public ImmutableArray<BranchDivergence> Compute(string remoteName)
    {
        using var repo = new Repository(_gitDir);
        var prefix = $"refs/remotes/{remoteName}/";
        var result = ImmutableArray.CreateBuilder<BranchDivergence>();
        foreach (var tracking in repo.Refs
                     .Where(r => r.CanonicalName.StartsWith(prefix, StringComparison.Ordinal))
                     .OrderBy(r => r.CanonicalName, StringComparer.Ordinal))
        {
            if (result.Count >= MaxBranches)
            {
                break;
            }

            var name = tracking.CanonicalName[prefix.Length..];
            if (repo.Refs["refs/heads/" + name] is not { } local
                || repo.Lookup<Commit>(local.ResolveToDirectReference()?.TargetIdentifier) is not { } localCommit
                || repo.Lookup<Commit>(tracking.ResolveToDirectReference()?.TargetIdentifier) is not { } peerCommit)
            {
                continue;
            }

            var divergence = repo.ObjectDatabase.CalculateHistoryDivergence(localCommit, peerCommit);

            // "One" is the local branch: its BehindBy is what the peer has and you do not.
            result.Add(new BranchDivergence(name, divergence.BehindBy ?? 0, divergence.AheadBy ?? 0));
        }

        return result.ToImmutable();
    }
}
