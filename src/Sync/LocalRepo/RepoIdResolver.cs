using LibGit2Sharp;

namespace PeerMesh.Sync.LocalRepo;

/// <summary>
/// The repo id: the root commit of the default branch's first-parent history, so two clones of one
/// project match and two projects that share a directory name do not. <c>git config peermesh.repoId</c>
/// overrides it (for projects whose histories were joined or rewritten, and for shallow clones).
/// A shallow clone (<c>git clone --depth</c>) cannot know its project's first commit: its history ends at the cut, so
/// its id is the cut's commit and it matches no full clone; <see cref="RepoIdentity.ShallowCut"/> says so, for the
/// CLI to tell the user why and what to do.
/// </summary>
internal static class RepoIdResolver
{
    public const string ConfigKey = "peermesh.repoId";

    public static RepoIdentity Resolve(Repository repo)
    {
        var configured = repo.Config.Get<string>(ConfigKey)?.Value;
        if (configured is not null)
        {
            return IsValidOverride(configured)
                ? new RepoIdentity(configured, ShallowCut: false)
                : throw new RepositoryLookupException($"{ConfigKey} '{configured}' is invalid: use 4 to 64 characters of [A-Za-z0-9._-]");
        }

        var tip = DefaultBranchTip(repo)
            ?? throw new RepositoryLookupException($"{Path.TrimEndingDirectorySeparator(repo.Info.WorkingDirectory)} has no commit yet; commit something first");
        var commit = tip;
        while (commit.Parents.FirstOrDefault() is { } parent)
        {
            commit = parent;
        }

        return new RepoIdentity(commit.Sha, ShallowCut: repo.Info.IsShallow && IsShallowBoundary(repo, commit.Sha));
    }

    public static bool IsValidOverride(string value) =>
        value.Length is >= 4 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>True when <paramref name="sha"/> is listed in <c>.git/shallow</c>: its parents were cut off by the clone.</summary>
    private static bool IsShallowBoundary(Repository repo, string sha)
    {
        var shallow = Path.Combine(repo.Info.Path, "shallow");
        return File.Exists(shallow) && File.ReadLines(shallow).Any(line => line.Trim() == sha);
    }

    /// <summary>origin's default branch when known (what the central server calls default), else HEAD.</summary>
    private static Commit? DefaultBranchTip(Repository repo)
    {
        if (repo.Refs["refs/remotes/origin/HEAD"] is SymbolicReference { Target: { } originHead } && originHead.ResolveToDirectReference()?.Target is Commit originTip)
        {
            return originTip;
        }

        return repo.Head?.Tip;
    }
}
