using System.Diagnostics;
using System.Globalization;

namespace PeerMesh.TestSupport.Processes;

/// <summary>
/// git daemon processes found by the git directory they serve, and the processes of their session (the node's guard,
/// the daemon, its per-connection children), read from /proc. A zombie counts as gone: it holds no port and no memory.
/// </summary>
public static class DaemonProcesses
{
    /// <summary>
    /// The listening daemons whose base path is <paramref name="gitDirectory"/> or below it (a node home's
    /// <c>serve/</c>: pass the home, or the repository's git directory when the home is inside it), not their
    /// per-connection children. A child between its fork and its exec of <c>git daemon --serve</c> still shows the
    /// listener's command line, so a match whose parent matches too is a connection, not a second daemon.
    /// </summary>
    public static List<Process> Serving(string gitDirectory)
    {
        var matches = Pids().Where(pid => IsAlive(pid) && IsListener(CommandLine(pid), gitDirectory)).ToHashSet();
        var found = new List<Process>();
        foreach (var pid in matches.Where(pid => Parent(pid) is not { } parent || !matches.Contains(parent)))
        {
            try
            {
                found.Add(Process.GetProcessById(pid));
            }
            catch (ArgumentException)
            {
            }
        }

        return found;
    }

    private static bool IsListener(List<string> argv, string gitDirectory) =>
        argv.Count > 1
        && Path.GetFileName(argv[0]) == "git-daemon"
        && !argv.Contains("--serve")
        && argv.Any(a => a == $"--base-path={gitDirectory}" || a.StartsWith($"--base-path={gitDirectory}/", StringComparison.Ordinal));

    /// <summary>Every live process whose command line names <paramref name="gitDirectory"/>: guards, daemons, connections.</summary>
    public static List<int> Mentioning(string gitDirectory) =>
        [.. Pids().Where(pid => CommandLine(pid).Any(arg => arg.Contains(gitDirectory, StringComparison.Ordinal)))];

    /// <summary>
    /// What serving <paramref name="gitDirectory"/> runs: every process naming it (guards, daemons, connections) and
    /// every descendant of those (upload-pack). Never a whole session: with a daemon in the node's session, that
    /// would be the test's own.
    /// </summary>
    public static List<int> ServingTree(string gitDirectory)
    {
        var parents = Pids().Select(pid => (Pid: pid, Parent: Parent(pid))).ToList();
        var found = new HashSet<int>(Mentioning(gitDirectory));
        var added = true;
        while (added)
        {
            var children = parents.Where(p => p.Parent is { } parent && found.Contains(parent) && !found.Contains(p.Pid)).Select(p => p.Pid).ToList();
            found.UnionWith(children);
            added = children.Count > 0;
        }

        return [.. found.Where(IsAlive)];
    }

    /// <summary>The live processes of session <paramref name="sessionId"/>.</summary>
    public static List<int> InSession(int sessionId) => [.. Pids().Where(pid => Stat(pid) is { } stat && stat.Session == sessionId)];

    /// <summary>The session of a live process, or null once it is gone.</summary>
    public static int? SessionOf(int pid) => Stat(pid)?.Session;

    /// <summary>The process group of a live process, or null once it is gone.</summary>
    public static int? GroupOf(int pid) => Stat(pid)?.Group;

    /// <summary>Whether <paramref name="pid"/> is a live process (not gone, not a zombie).</summary>
    public static bool IsAlive(int pid) => Stat(pid) is not null;

    /// <summary>The live processes whose command line starts with <paramref name="program"/> (a file name), in a session.</summary>
    public static List<int> Named(int sessionId, string program) =>
        [.. InSession(sessionId).Where(pid => CommandLine(pid) is [var first, ..] && Path.GetFileName(first) == program)];

    /// <summary>Polls /proc until none of <paramref name="pids"/> is alive; returns those still alive at the deadline.</summary>
    public static async Task<List<int>> WaitUntilGoneAsync(IEnumerable<int> pids, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var alive = pids.ToList();
        await Poll.TryUntilAsync(() => (alive = [.. alive.Where(IsAlive)]).Count == 0, deadline, cancellationToken, TimeSpan.FromMilliseconds(10));
        return alive;
    }

    /// <summary>Describes processes for an assertion message.</summary>
    public static string Describe(IEnumerable<int> pids) =>
        string.Join("; ", pids.Select(pid => $"{pid}: {string.Join(' ', CommandLine(pid))}"));

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

    private static IEnumerable<int> Pids()
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid))
            {
                yield return pid;
            }
        }
    }

    private static List<string> CommandLine(int pid)
    {
        try
        {
            return [.. File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static int? Parent(int pid) => Stat(pid)?.Parent;

    /// <summary>Parent, process group and session from /proc/PID/stat; null when gone or a zombie.</summary>
    private static (int Parent, int Group, int Session)? Stat(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses; it ends at the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields[0] is "Z" or "X"
            ? null
            : (int.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[2], CultureInfo.InvariantCulture), int.Parse(fields[3], CultureInfo.InvariantCulture));
    }
}
