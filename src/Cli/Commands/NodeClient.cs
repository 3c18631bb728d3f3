using PeerMesh.Cli.Control;
using PeerMesh.Cli.Home;

namespace PeerMesh.Cli.Commands;

/// <summary>What the commands share: talking to the node of a home over its control socket.</summary>
internal static class NodeClient
{
    /// <exception cref="CliException">No node runs for the home (exit 3), or the node refused (its exit code).</exception>
    public static Task<ControlResponse> SendAsync(NodeHome home, string command, CancellationToken cancellationToken, string? argument = null, string? repo = null) =>
        ControlClient.SendAsync(
            ControlPaths.ClientSocketPath(home.Directory),
            home.Directory,
            new ControlRequest(ControlRequest.CurrentVersion, command, argument, repo),
            cancellationToken);

    /// <summary>
    /// <see cref="SendAsync"/> blocking on the calling thread (<see cref="ControlClient.Send"/>): for the commands that
    /// only ask and print (<c>status</c>, <c>down</c>), where starting threads for one round trip was most of the wait.
    /// </summary>
    /// <exception cref="CliException">No node runs for the home (exit 3), or the node refused (its exit code).</exception>
    public static ControlResponse Send(NodeHome home, string command, string? argument = null, string? repo = null) =>
        ControlClient.Send(
            ControlPaths.ClientSocketPath(home.Directory),
            home.Directory,
            new ControlRequest(ControlRequest.CurrentVersion, command, argument, repo));

    /// <summary>Whether a node answers on the home's control socket now.</summary>
    public static async Task<bool> IsRunningAsync(NodeHome home, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(home, "ping", cancellationToken);
            return true;
        }
        catch (CliException e) when (e.ExitCode == ExitCodes.NoNode)
        {
            return false;
        }
    }
}
