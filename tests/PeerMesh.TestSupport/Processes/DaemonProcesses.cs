using System.Diagnostics;

namespace PeerMesh.TestSupport.Processes;

/// <summary>git daemon processes found by the git directory they serve (read from /proc).</summary>
public static class DaemonProcesses
{
    public static List<Process> Serving(string gitDirectory)
    {
        var found = new List<Process>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains("git-daemon", StringComparison.Ordinal) && cmdline.Contains($"--base-path={gitDirectory} ", StringComparison.Ordinal))
                {
                    found.Add(Process.GetProcessById(pid));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
            }
        }

        return found;
    }

    /// <summary>Ends daemons a test orphaned on purpose (a node killed with -9 leaves its daemon running).</summary>
    public static void KillServing(string gitDirectory)
    {
        foreach (var process in Serving(gitDirectory))
        {
            using (process)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
                catch (InvalidOperationException)
                {
                }
            }
        }
    }
}
