using System.Diagnostics;

namespace PeerMesh.TestSupport.Netns;

/// <summary>
/// Removes what earlier runs left behind (a test host killed mid-test cannot clean up): namespaces and temp folders
/// named "pmt-PID-..." whose creating process is gone, or was started after they were made (the pid was reused).
/// Beds of runs still alive are left alone.
/// </summary>
internal static class NetnsSweeper
{
    public static async Task SweepAsync(CancellationToken cancellationToken)
    {
        foreach (var ns in await Ip.ListNamespacesAsync(cancellationToken))
        {
            if (IsStale(ns, File.GetLastWriteTimeUtc(Path.Combine("/run/netns", ns))))
            {
                await DeleteNamespaceAsync(ns, cancellationToken);
            }
        }

        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), NetnsTestBed.Prefix + "-*"))
        {
            if (IsStale(Path.GetFileName(dir), Directory.GetLastWriteTimeUtc(dir)))
            {
                TryDeleteDirectory(dir);
            }
        }
    }

    /// <summary>Kills every process in the namespace, waits until it is empty, then deletes it (its veths go with it).</summary>
    public static async Task DeleteNamespaceAsync(string ns, CancellationToken cancellationToken)
    {
        // Deleted after at most 5 s even if something keeps respawning: the namespace then dies with its last process.
        await Poll.TryUntilAsync(KilledAllAsync, TimeSpan.FromSeconds(5), cancellationToken, TimeSpan.FromMilliseconds(100));
        await CommandRunner.RunAsync(Ip.Path, ["netns", "del", ns], cancellationToken);

        async Task<bool> KilledAllAsync(CancellationToken ct)
        {
            var pids = await CommandRunner.RunAsync(Ip.Path, ["netns", "pids", ns], ct);
            var list = pids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (!pids.Succeeded || list.Length == 0)
            {
                return true;
            }

            foreach (var pid in list)
            {
                if (int.TryParse(pid, out var id))
                {
                    Signal.Kill(id);
                }
            }

            return false;
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
