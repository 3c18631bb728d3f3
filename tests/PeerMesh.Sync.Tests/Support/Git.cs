using PeerMesh.TestSupport.Git;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>The git command line for Sync tests: fixed dates (stable commit ids) and no global config.</summary>
internal static class Git
{
    private static readonly Dictionary<string, string> s_environment = new()
    {
        ["GIT_CONFIG_GLOBAL"] = "/dev/null",
        ["GIT_AUTHOR_DATE"] = "2024-01-01T00:00:00Z",
        ["GIT_COMMITTER_DATE"] = "2024-01-01T00:00:00Z",
    };

    public static string Run(string workingDirectory, params string[] args) => RunWithInput(workingDirectory, null, args);

    /// <summary>Runs git and returns its exit code and error output, whatever they are.</summary>
    public static (int ExitCode, string Stderr) TryRun(string workingDirectory, params string[] args)
    {
        var (code, _, stderr) = GitCli.TryRun(workingDirectory, null, s_environment, args);
        return (code, stderr.Trim());
    }

    public static string RunWithInput(string workingDirectory, string? input, params string[] args)
    {
        var (code, stdout, stderr) = GitCli.TryRun(workingDirectory, input, s_environment, args);
        return code == 0
            ? stdout.Trim()
            : throw new InvalidOperationException($"git {string.Join(' ', args)} failed ({code}): {stderr}");
    }
}
