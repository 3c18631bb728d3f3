using PeerMesh.Cli.Home;
using PeerMesh.Cli.Node;

namespace PeerMesh.Cli.Commands;

/// <summary><c>peermesh forget NAME</c>: remove a managed remote and its tracking refs (never a user's own remote).</summary>
internal static class ForgetCommand
{
    public static async Task<int> RunAsync(NodeHome home, string path, string remote, TextWriter output, CancellationToken cancellationToken)
    {
        var repo = NodeRepository.Open(path);
        await NodeClient.SendAsync(home, "forget", cancellationToken, remote, repo.WorkingDirectory);
        await output.WriteLineAsync($"forgot {remote}: remote and refs/remotes/{remote}/* removed");
        return ExitCodes.Ok;
    }
}
