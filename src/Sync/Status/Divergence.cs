using System.Collections.Immutable;
using LibGit2Sharp;

namespace PeerMesh.Sync.Status;

/// <summary>
/// Ahead/behind for each branch X present as <c>refs/heads/X</c> and <c>refs/remotes/REMOTE/X</c>, by
/// <see cref="ObjectDatabase.CalculateHistoryDivergence"/>; for a branch only the peer has, the commits reachable from
/// none of the local branches. Opens its own repository per call.
/// </summary>
internal sealed class Divergence : IDivergenceSource
{
    /// <summary>Cap on branches compared per remote (a peer could have thousands; status stays small).</summary>
    public const int MaxBranches = 200;

    /// <summary>Cap on the commits counted for a branch you do not have (a walk per status refresh stays short).</summary>
    public const int MaxNewCommits = 10_000;

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
        List<Commit>? localTips = null;
        foreach (var tracking in repo.Refs
                     .Where(r => r.CanonicalName.StartsWith(prefix, StringComparison.Ordinal))
                     .OrderBy(r => r.CanonicalName, StringComparer.Ordinal))
        {
            if (result.Count >= MaxBranches)
            {
                break;
            }

            var name = tracking.CanonicalName[prefix.Length..];
            if (repo.Lookup<Commit>(tracking.ResolveToDirectReference()?.TargetIdentifier) is not { } peerCommit)
            {
                continue;
            }

            if (repo.Refs["refs/heads/" + name] is not { } local)
            {
                localTips ??= LocalTips(repo);
                result.Add(new BranchDivergence(name, CountNew(repo, peerCommit, localTips), 0, Local: false));
                continue;
            }

            if (repo.Lookup<Commit>(local.ResolveToDirectReference()?.TargetIdentifier) is not { } localCommit)
            {
                continue;
            }

            var divergence = repo.ObjectDatabase.CalculateHistoryDivergence(localCommit, peerCommit);

            // "One" is the local branch: its BehindBy is what the peer has and you do not.
            result.Add(new BranchDivergence(name, divergence.BehindBy ?? 0, divergence.AheadBy ?? 0));
        }

        return result.ToImmutable();
    }

    /// <summary>Every local branch's tip, and HEAD's (which may be detached).</summary>
    private static List<Commit> LocalTips(Repository repo) =>
    [
        .. repo.Refs
            .Where(r => r.CanonicalName.StartsWith("refs/heads/", StringComparison.Ordinal))
            .Select(r => repo.Lookup<Commit>(r.ResolveToDirectReference()?.TargetIdentifier))
            .Append(repo.Head.Tip)
            .OfType<Commit>(),
    ];

    private static int CountNew(Repository repo, Commit peerCommit, List<Commit> localTips)
    {
        var filter = new CommitFilter { IncludeReachableFrom = peerCommit, ExcludeReachableFrom = localTips };
        return repo.Commits.QueryBy(filter).Take(MaxNewCommits).Count();
    }
}
