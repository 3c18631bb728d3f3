using System.Diagnostics;

namespace PeerMesh.TestSupport.Netns;

/// <summary>
/// Removes namespaces and what runs in them, and what earlier runs left behind (a test host killed mid-test cannot
/// clean up): namespaces and temp folders named "pmt-PID-..." whose creating process is gone, or was started after
/// they were made (the pid was reused). Beds of runs still alive are left alone.
/// </summary>
internal static class NetnsSweeper
{
    /// <summary>Where iproute2 keeps named network namespaces (`ip netns list` lists this folder).</summary>
    public const string NamespaceDirectory = "/run/netns";

    public static async Task SweepAsync(CancellationToken cancellationToken)
    {
        var stale = ListNamespaces().Where(ns => IsStale(ns, File.GetLastWriteTimeUtc(Path.Combine(NamespaceDirectory, ns)))).ToList();
        if (stale.Count > 0)
        {
            await DeleteNamespacesAsync(stale, cancellationToken);
        }

        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), NetnsTestBed.Prefix + "-*"))
        {
            if (IsStale(Path.GetFileName(dir), Directory.GetLastWriteTimeUtc(dir)))
            {
                TryDeleteDirectory(dir);
            }
        }
    }

    /// <summary>The named network namespaces, as `ip netns list` shows them (read from its folder, no process started).</summary>
    public static IReadOnlyList<string> ListNamespaces() =>
        Directory.Exists(NamespaceDirectory) ? [.. Directory.EnumerateFiles(NamespaceDirectory).Select(Path.GetFileName).OfType<string>()] : [];

    /// <summary>
    /// The processes whose network namespace is <paramref name="ns"/>, as `ip netns pids` finds them: the namespace's
    /// id ("net:[INODE]") against each process's /proc/PID/ns/net. Empty when the namespace does not exist.
    /// </summary>
    public static IReadOnlyList<int> ProcessesIn(string ns)
    {
        if (IdOf(ns) is not { } id)
        {
            return [];
        }

        var pids = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid))
            {
                continue;
            }

            try
            {
                if (new FileInfo(Path.Combine(entry, "ns", "net")).LinkTarget == id)
                {
                    pids.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Exited while we looked, or a zombie (its namespaces are gone).
            }
        }

        return pids;
    }

    /// <summary>
    /// The namespace's id as /proc/PID/ns/net links show it ("net:[INODE]"): the root of its nsfs bind mount in
    /// /proc/self/mountinfo (a descriptor of the file links to the path, not the id). Null when it is not mounted.
    /// </summary>
    private static string? IdOf(string ns)
    {
        // "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...": ROOT is "net:[INODE]" for a namespace file; the last mount wins.
        var mountPoint = Path.Combine(NamespaceDirectory, ns);
        string? id = null;
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ', 6);
            if (fields.Length > 5 && fields[4] == mountPoint && fields[3].StartsWith("net:[", StringComparison.Ordinal))
            {
                id = fields[3];
            }
        }

        return id;
    }

    /// <summary>Kills every process in the namespace, waits until it is empty, then deletes it (its veths go with it).</summary>
    public static Task DeleteNamespaceAsync(string ns, CancellationToken cancellationToken) =>
        DeleteNamespacesAsync([ns], cancellationToken);

    /// <summary>
    /// Kills every process in the namespaces, waits until they are empty, then deletes them in this order, in one
    /// `ip -batch` (a missing one is skipped).
    /// </summary>
    public static async Task DeleteNamespacesAsync(IReadOnlyList<string> namespaces, CancellationToken cancellationToken)
    {
        // Deleted after at most 5 s even if something keeps respawning: a namespace then dies with its last process.
        await Poll.TryUntilAsync(() => !KilledAny(), TimeSpan.FromSeconds(5), cancellationToken, TimeSpan.FromMilliseconds(100));
        await Ip.BatchAsync(null, namespaces.Select(ns => "netns del " + ns), force: true, cancellationToken);

        bool KilledAny()
        {
            var any = false;
            foreach (var ns in namespaces)
            {
                foreach (var pid in ProcessesIn(ns))
                {
                    Signal.Kill(pid);
                    any = true;
                }
            }

            return any;
        }
    }

    public static void TryDeleteDirectory(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort; the next sweep tries again.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }

    internal static bool IsStale(string name, DateTime createdUtc)
    {
        // "pmt-PID-RAND..." ; anything else is not ours.
        var parts = name.Split('-');
        if (parts.Length < 3 || parts[0] != NetnsTestBed.Prefix || !int.TryParse(parts[1], out var pid))
        {
            return false;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            // Slack for the coarse clock of the process start time.
            return createdUtc < process.StartTime.ToUniversalTime() - TimeSpan.FromSeconds(2);
        }
        catch (ArgumentException)
        {
            return true;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }
}
