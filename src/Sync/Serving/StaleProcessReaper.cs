using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace PeerMesh.Sync.Serving;

/// <summary>
/// The second line behind <see cref="DaemonGuard"/>: ends a git daemon left running by a node of a version without
/// the guard, or whose guard's watcher was killed on its own before the node died. The pid file names it, and it is
/// ended (with its connections) only if that pid is still a git daemon with this very base path (pids are reused).
/// </summary>
internal static partial class StaleProcessReaper
{
    public static void EndStale(string pidFile, string basePath, ILogger logger)
    {
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
        {
            return;
        }

        string commandLine;
        try
        {
            commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            File.Delete(pidFile);
            return;
        }
        catch (UnauthorizedAccessException)
        {
            return;
        }

        if (!commandLine.Contains("git-daemon", StringComparison.Ordinal) || !commandLine.Contains($"--base-path={basePath} ", StringComparison.Ordinal))
        {
            File.Delete(pidFile);
            return;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            process.WaitForExit(2000);
            LogEndedStale(logger, pid);
        }
        catch (ArgumentException)
        {
        }
        catch (InvalidOperationException)
        {
        }

        File.Delete(pidFile);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ended a stale git daemon (pid {Pid}) left by a previous run")]
    private static partial void LogEndedStale(ILogger logger, int pid);
}
