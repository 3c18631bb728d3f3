using System.Globalization;

namespace PeerMesh.Sync.Serving;

/// <summary>
/// The hardened command line of the git daemon (docs/ARCHITECTURE.md, Serving). Only the one repository is
/// exported (<c>--strict-paths</c> with it as the base path and the only whitelisted directory), push
/// and archive are refused even where the repository's own config enables them, and there is no
/// <c>--informative-errors</c> (a refused path does not say whether it exists) and no <c>--user-path</c>.
/// </summary>
internal static class DaemonArguments
{
    public static IReadOnlyList<string> Build(GitDaemonOptions options, string gitDirectory, int port, string pidFile)
    {
        var args = new List<string>
        {
            "--reuseaddr",
            "--strict-paths",
            "--export-all",
            "--verbose",
            $"--base-path={gitDirectory}",
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

        // git daemon compares the requested directory with a trailing slash.
        args.Add("--");
        args.Add(gitDirectory + "/");
        return args;
    }
}
