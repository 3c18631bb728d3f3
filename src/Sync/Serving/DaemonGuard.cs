using System.Diagnostics;

namespace PeerMesh.Sync.Serving;

/// <summary>
/// How the git daemon's life is tied to the node's (HOSTILE 54). The daemon runs under a small POSIX sh guard,
/// started as the leader of a session of its own, so the daemon and the children it forks per connection share one
/// process group that nothing else is in; a terminal's Ctrl-C reaches only the node. The guard's stdin is a pipe
/// whose only write end is held by the node. The kernel closes that end however the node ends (exit, kill -9, the
/// OOM killer, a crash); a watcher in the guard then reads end-of-file and kills the whole group with one SIGKILL.
/// The node stops the daemon the same way: it closes the pipe. No parent-death signal: .NET forks from whichever
/// thread starts the process, and that signal fires when that thread exits, not when the node does.
/// </summary>
internal static class DaemonGuard
{
    /// <summary>The guard's <c>$0</c>, seen in <c>ps</c>.</summary>
    public const string Name = "peermesh-git-daemon-guard";

    /// <summary>
    /// <c>$@</c> is the daemon's command line. TERM, INT and HUP are ignored by the daemon and, inherited, by its
    /// per-connection children: only the node ends them (a stop of the node that every process of a service gets,
    /// as systemd sends it, must not look like a daemon crash), or SIGKILL or a crash, which the supervisor restarts.
    /// The guard prints the daemon's pid, then exits with the daemon's status (128 + N when killed by signal N); the
    /// watcher stays until the node closes the pipe, so connections of a dead daemon end when the supervisor says.
    /// </summary>
    public const string Script = """
        trap '' TERM INT HUP
        exec 3<&0 0</dev/null
        "$@" >/dev/null 3<&- &
        daemon=$!
        { while read -r _; do :; done <&3; kill -KILL 0; } &
        exec 3<&-
        echo "$daemon"
        wait "$daemon"
        """;

    /// <summary>
    /// The command that makes the guard a session leader: util-linux's or busybox's <c>setsid</c> (it does not fork:
    /// a child just started by .NET never leads a process group), or perl's POSIX setsid where there is none (macOS).
    /// </summary>
    /// <exception cref="DaemonStartException">Neither is installed.</exception>
    public static IReadOnlyList<string> FindSessionLeader()
    {
        if (FindOnPath("setsid") is { } setsid)
        {
            return [setsid];
        }

        if (FindOnPath("perl") is { } perl)
        {
            return PerlSessionLeader(perl);
        }

        throw new DaemonStartException("neither setsid (util-linux) nor perl is installed; PeerMesh needs one to run the git daemon in a session of its own, so that it ends with the node");
    }

    internal static IReadOnlyList<string> PerlSessionLeader(string perl) =>
        [perl, "-MPOSIX", "-e", "defined POSIX::setsid() or die qq(setsid: $!\\n); exec { $ARGV[0] } @ARGV or die qq(exec $ARGV[0]: $!\\n)"];

    public static ProcessStartInfo StartInfo(IReadOnlyList<string> sessionLeader, string daemon, IEnumerable<string> daemonArguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(sessionLeader[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in sessionLeader.Skip(1).Concat(["/bin/sh", "-c", Script, Name, daemon]).Concat(daemonArguments))
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return info;
    }

    internal static string? FindOnPath(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
