using LibGit2Sharp;

namespace PeerMesh.Sync.LocalRepo;

/// <summary>
/// The newest commits of a peer's tracking branches that also exist locally (the shared branches),
/// for the dashboard: who did what, and how long ago.
/// </summary>
public static class RecentCommits
{
    public static IReadOnlyList<RecentCommit> Read(string gitDirectory, string remoteName, int perBranch)
    {
        using var repo = new Repository(gitDirectory);
        var prefix = $"refs/remotes/{remoteName}/";
        var result = new List<RecentCommit>();
        foreach (var reference in repo.Refs.FromGlob(prefix + "*"))
        {
            var branch = reference.CanonicalName[prefix.Length..];
            if (repo.Refs["refs/heads/" + branch] is null || reference.ResolveToDirectReference()?.Target is not Commit tip)
            {
                continue;
            }

            var filter = new CommitFilter { IncludeReachableFrom = tip, SortBy = CommitSortStrategies.Time };
            foreach (var commit in repo.Commits.QueryBy(filter).Take(perBranch))
            {
                result.Add(new RecentCommit(branch, commit.Sha, commit.Author.Name, commit.MessageShort, commit.Author.When));
            }
        }

        return result;
    }
}
