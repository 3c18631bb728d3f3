using PeerMesh.Cli.Node;

namespace PeerMesh.Cli.Commands;

/// <summary><c>peermesh down</c>: asks the node to stop and returns once it is gone.</summary>
internal static class DownCommand
{
    public static async Task<int> RunAsync(string path, TextWriter output, CancellationToken cancellationToken)
    {
        var repo = RepositoryCommand.Open(path);
        var holder = NodeLock.ReadInfo(repo.StateDirectory);
        await RepositoryCommand.SendAsync(repo, "down", cancellationToken);
        var deadline = TimeProvider.System.GetTimestamp();
        // The node releases its lock as the very last step of stopping; then its process ends.
        while (NodeLock.IsHeld(repo.StateDirectory) || IsRunning(holder?.Pid))
        {
            if (TimeProvider.System.GetElapsedTime(deadline) > TimeSpan.FromSeconds(15))
            {
                throw new CliException("the node did not stop within 15 s", ExitCodes.Failure);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, cancellationToken);
        }

        await output.WriteLineAsync($"node in {repo.WorkingDirectory} stopped");
        return ExitCodes.Ok;
    }

    private static bool IsRunning(int? pid)
    {
        if (pid is null)
        {
            return false;
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
