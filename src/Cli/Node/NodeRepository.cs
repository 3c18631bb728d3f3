using PeerMesh.Sync.LocalRepo;

namespace PeerMesh.Cli.Node;

/// <summary>Finding the repository a path names, for the commands and for the node (the same rules on both sides).</summary>
internal static class NodeRepository
{
    /// <summary>The repository containing <paramref name="path"/>.</summary>
    /// <exception cref="CliException">Not a usable repository (missing, not a repository, another user's): exit 2.</exception>
    public static LocalRepository Open(string path)
    {
        try
        {
            return LocalRepository.Open(path);
        }
        catch (RepositoryLookupException e)
        {
            throw new CliException(e.Message, ExitCodes.Usage);
        }
    }

    /// <summary>
    /// <see cref="Open"/>, and the repository's own PeerMesh settings checked, so that a typo there is a usage error
    /// before anything starts (the Sync of the repository reads them again while it runs).
    /// </summary>
    public static LocalRepository OpenForServing(string path)
    {
        var repo = Open(path);
        Settings.SettingsResolver.Trust(PeerMeshConfig.Read(repo.GitDirectory));
        return repo;
    }

    /// <summary>Whether <paramref name="path"/> is inside some git repository (usable or not).</summary>
    public static bool IsInsideRepository(string path) =>
        Directory.Exists(path) && LibGit2Sharp.Repository.Discover(Path.GetFullPath(path)) is not null;

    /// <summary>
    /// The repository's common git directory: a linked worktree's own (<c>.git/worktrees/NAME</c>) is servable by git
    /// too, so without this one project could be served twice from two worktrees.
    /// </summary>
    public static string CommonGitDirectory(string gitDirectory)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(gitDirectory));
        try
        {
            var common = File.ReadAllText(Path.Combine(full, "commondir")).Trim();
            return common.Length == 0 ? full : Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(full, common)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return full;
        }
    }
}
