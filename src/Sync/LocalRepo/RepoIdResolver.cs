using LibGit2Sharp;

namespace PeerMesh.Sync.LocalRepo;

/// <summary>
/// The repo id: the root commit of the default branch's first-parent history, so two clones of one
/// project match and two projects that share a directory name do not. <c>git config peermesh.repoId</c>
/// overrides it (for projects whose histories were joined or rewritten).
/// </summary>
internal static class RepoIdResolver
{
    public const string ConfigKey = "peermesh.repoId";

    public static string Resolve(Repository repo)
    {
        var configured = repo.Config.Get<string>(ConfigKey)?.Value;
        if (configured is not null)
        {
            return IsValidOverride(configured)
                ? configured
                : throw new RepositoryLookupException($"{ConfigKey} '{configured}' is invalid: use 4 to 64 characters of [A-Za-z0-9._-]");
        }

        var tip = DefaultBranchTip(repo)
            ?? throw new RepositoryLookupException($"{Path.TrimEndingDirectorySeparator(repo.Info.WorkingDirectory)} has no commit yet; commit something first");
        var commit = tip;
        while (commit.Parents.FirstOrDefault() is { } parent)
        {
            commit = parent;
        }

        return commit.Sha;
    }

    public static bool IsValidOverride(string value) =>
        value.Length is >= 4 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

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
