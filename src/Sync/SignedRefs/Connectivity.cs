using System.Diagnostics;

namespace PeerMesh.Sync.SignedRefs;

/// <summary>
/// Whether commits are connected: every object reachable from them (parents, trees, blobs) is in the repository, down
/// to what its refs already reach. libgit2's download indexes the pack it is sent and checks nothing more, so a holder
/// could send a tip commit without its history; a ref to it would leave the repository broken (<c>git log</c> fails).
/// Asked of stock git, as git's own fetch does after receiving a pack (<c>rev-list --objects ... --not --all</c>).
/// </summary>
internal static class Connectivity
{
    /// <summary>True when every commit in <paramref name="commitIds"/> and all it reaches is present. Kills git on cancellation.</summary>
    public static bool IsConnected(string gitDir, IReadOnlyCollection<string> commitIds, CancellationToken cancellationToken)
    {
        if (commitIds.Count == 0)
        {
            return true;
        }

        var info = new ProcessStartInfo("git")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        info.ArgumentList.Add("--git-dir=" + gitDir);
        info.ArgumentList.Add("rev-list");
        info.ArgumentList.Add("--objects");
        info.ArgumentList.Add("--quiet");
        foreach (var id in commitIds)
        {
            info.ArgumentList.Add(id);
        }

        info.ArgumentList.Add("--not");
        info.ArgumentList.Add("--all");

        // Replace refs and grafts could make missing history look present.
        info.Environment["GIT_NO_REPLACE_OBJECTS"] = "1";
        info.Environment.Remove("GIT_DIR");
        info.Environment.Remove("GIT_OBJECT_DIRECTORY");
        info.Environment.Remove("GIT_ALTERNATE_OBJECT_DIRECTORIES");
        using var process = Process.Start(info) ?? throw new IOException("cannot start git");
        using var kill = cancellationToken.Register(() =>
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        });
        // --quiet: nothing on stdout, a line or two on stderr when something is missing.
        process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        cancellationToken.ThrowIfCancellationRequested();
        return process.ExitCode == 0;
    }
}
