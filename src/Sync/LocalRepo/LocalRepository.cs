using LibGit2Sharp;

namespace PeerMesh.Sync.LocalRepo;

/// <summary>
/// The repository a node serves, as found from a path: its work tree, its git directory and its
/// repo id. Holds no open <see cref="Repository"/>; every user opens its own. A bare repository (an always-on relay,
/// <c>git clone --bare</c> on an office box) has no work tree: its <see cref="WorkingDirectory"/> is its git directory.
/// </summary>
/// <param name="ShallowCut">A shallow clone whose repo id is its cut, matching no full clone (<see cref="RepoIdentity"/>).</param>
public sealed record LocalRepository(string WorkingDirectory, string GitDirectory, string RepoId, string Name, bool ShallowCut = false)
{
    /// <summary>Why a shallow clone matches no peer and what to do, one line for <c>up</c>, <c>status</c> and <c>doctor</c>.</summary>
    public const string ShallowAdvice =
        "this is a shallow clone (git clone --depth): its history is cut, so it cannot tell which project it belongs to and "
        + "matches no full clone; run git fetch --unshallow, or set git config peermesh.repoId to the repo id a full clone's "
        + "peermesh status shows";

    /// <summary>Finds the repository containing <paramref name="path"/> and computes its repo id.</summary>
    /// <exception cref="RepositoryLookupException">With a one-line message fit for the CLI.</exception>
    public static LocalRepository Open(string path)
    {
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full))
        {
            throw new RepositoryLookupException($"{full}: no such directory");
        }

        var gitDir = Repository.Discover(full);
        if (gitDir is null)
        {
            throw new RepositoryLookupException($"{full} is not inside a git repository");
        }

        try
        {
            using var repo = new Repository(gitDir);
            var identity = RepoIdResolver.Resolve(repo);
            var gitDirectory = Trim(repo.Info.Path);
            var workDir = repo.Info.IsBare ? gitDirectory : Trim(repo.Info.WorkingDirectory);
            var name = Path.GetFileName(workDir);
            if (repo.Info.IsBare && name.EndsWith(".git", StringComparison.OrdinalIgnoreCase) && name.Length > 4)
            {
                name = name[..^4];
            }

            return new LocalRepository(workDir, gitDirectory, identity.Id, name, identity.ShallowCut);
        }
        catch (RepositoryNotFoundException e)
        {
            throw new RepositoryLookupException($"{full}: {e.Message}");
        }
        catch (LibGit2SharpException e) when (e.Message.Contains("safe.directory", StringComparison.Ordinal) || e.Message.Contains("owner", StringComparison.Ordinal)
            || e.Message.Contains("not owned by current user", StringComparison.Ordinal))
        {
            // libgit2 says "repository path '...' is not owned by current user"; safe.directory takes the work tree
            // (the .git directory only for a bare repository), as git itself suggests.
            var owned = Path.GetFileName(Trim(gitDir)) == ".git" ? Path.GetDirectoryName(Trim(gitDir))! : Trim(gitDir);
            throw new RepositoryLookupException($"{owned} is owned by another user; if you trust it, run: git config --global --add safe.directory {owned}");
        }
    }

    private static string Trim(string path) => Path.TrimEndingDirectorySeparator(path);
}
