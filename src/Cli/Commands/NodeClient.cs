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
