using System.Globalization;

namespace PeerMesh.Sync.Serving;

/// <summary>
/// The hardened command lines of the git daemon (docs/ARCHITECTURE.md, Serving). Push and archive are refused even
/// where a repository's own config enables them, there is no <c>--informative-errors</c> (a refused path does not say
/// whether it exists) and no <c>--user-path</c> (no <c>~user</c>); connections are capped and timed out.
/// </summary>
internal static class DaemonArguments
{
    /// <summary>
    /// A node serving many repositories: <c>/NAME</c> is <c>BASE/NAME</c>, a link to the repository
    /// (<see cref="ServedList"/>), and the <see cref="AccessHook"/> allows exactly the names served at that moment and
    /// only the directories they stand for. No <c>--strict-paths</c>: git daemon then wants every exported path listed
    /// on its command line, fixed for its life, and adding a repository would restart it and cut every clone in
    /// progress; the hook is stricter (it checks the directory git daemon entered, not the path string). The base path
    /// is also the one whitelisted directory: nothing outside it is ever entered.
    /// </summary>
    public static IReadOnlyList<string> BuildForHome(GitDaemonOptions options, string basePath, int port, string pidFile)
    {
        var args = Common(options, port, pidFile);
        args.Add($"--base-path={basePath}");
        args.Add($"--access-hook={AccessHook.Command}");
        args.Add("--");
        args.Add(basePath);
        return args;
    }

    private static List<string> Common(GitDaemonOptions options, int port, string pidFile)
    {
        var args = new List<string>
        {
            "--reuseaddr",
            "--export-all",
            "--verbose",
            $"--port={port.ToString(CultureInfo.InvariantCulture)}",
            $"--max-connections={options.MaxConnections.ToString(CultureInfo.InvariantCulture)}",
            $"--init-timeout={options.InitTimeoutSeconds.ToString(CultureInfo.InvariantCulture)}",
            $"--timeout={options.TimeoutSeconds.ToString(CultureInfo.InvariantCulture)}",
            "--enable=upload-pack",
            "--disable=receive-pack",
            "--forbid-override=receive-pack",
            "--disable=upload-archive",
            "--forbid-override=upload-archive",
            $"--pid-file={pidFile}",
        };
        if (options.Listen is not null)
        {
            args.Add($"--listen={options.Listen}");
        }

        return args;
    }
}
