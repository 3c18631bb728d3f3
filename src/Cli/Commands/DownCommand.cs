using PeerMesh.Cli.Node;

namespace PeerMesh.Cli.Commands;

/// <summary><c>peermesh down</c>: asks the node to stop and returns once it is gone.</summary>
internal static class DownCommand
{
    public static async Task<int> RunAsync(string path, TextWriter output, CancellationToken cancellationToken)
    {
        var repo = RepositoryCommand.Open(path);
        await RepositoryCommand.SendAsync(repo, "down", cancellationToken);
        var deadline = TimeProvider.System.GetTimestamp();
        // The node releases its lock as the very last step of stopping.
        while (NodeLock.IsHeld(repo.StateDirectory))
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
}
