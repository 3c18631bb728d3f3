using PeerMesh.Cli.Home;
using PeerMesh.Cli.Node;

namespace PeerMesh.Cli.Commands;

/// <summary>
/// <c>peermesh down [PATH]</c>: the node stops serving that repository (its managed remotes and fetched refs stay), and
/// stops once it serves none. <c>down --all</c> stops the node and keeps its list, so a later <c>up</c> serves it again.
/// Returns once the repository is no longer served, or the node is gone.
/// </summary>
internal static class DownCommand
{
    public static async Task<int> RunAsync(NodeHome home, string? path, bool all, TextWriter output, CancellationToken cancellationToken)
    {
        var holder = NodeLock.ReadInfo(home.Directory);
        if (all)
        {
            await NodeClient.SendAsync(home, "down", cancellationToken);
            await WaitUntilGoneAsync(home, holder?.Pid);
            await output.WriteLineAsync($"node of {home} stopped; 'peermesh up' serves its repositories again");
            return ExitCodes.Ok;
        }

        // A repository deleted or moved away while served is named by the path it was served from.
        var target = path is null || NodeRepository.IsInsideRepository(path)
            ? NodeRepository.Open(path ?? ".").WorkingDirectory
            : Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var response = await NodeClient.SendAsync(home, "remove", cancellationToken, target);
        if ((bool?)response.Body?["stopping"] == true)
        {
            await WaitUntilGoneAsync(home, holder?.Pid);
            await output.WriteLineAsync($"no longer serving {target}; it was the last repository, so the node of {home} stopped");
            return ExitCodes.Ok;
        }

        await output.WriteLineAsync($"no longer serving {target}");
        await UpCommand.PrintServedAsync(response, output);
        return ExitCodes.Ok;
    }

    private static async Task WaitUntilGoneAsync(NodeHome home, int? pid)
    {
        var start = TimeProvider.System.GetTimestamp();
        // The node releases its lock as the very last step of stopping; then its process ends.
        while (NodeLock.IsHeld(home.Directory) || IsRunning(pid))
        {
            if (TimeProvider.System.GetElapsedTime(start) > TimeSpan.FromSeconds(15))
            {
                throw new CliException("the node did not stop within 15 s", ExitCodes.Failure);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, CancellationToken.None);
        }
    }

    /// <summary>
    /// Whether the node's process still runs. A zombie does not: a node started with <c>--detach</c> is nobody's child
    /// once its <c>up</c> returned, and where PID 1 does not reap, it stays a zombie after it ended.
    /// </summary>
    private static bool IsRunning(int? pid)
    {
        if (pid is null)
        {
            return false;
        }

        var stat = $"/proc/{pid.Value}/stat";
        if (Directory.Exists("/proc/self"))
        {
            try
            {
                var text = File.ReadAllText(stat);
                return text[(text.LastIndexOf(')') + 2)..] is not ['Z' or 'X', ..];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid.Value);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
