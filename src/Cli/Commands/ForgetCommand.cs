namespace PeerMesh.Cli.Commands;

/// <summary><c>peermesh forget NAME</c>: remove a managed remote and its tracking refs (never a user's own remote).</summary>
internal static class ForgetCommand
{
    public static async Task<int> RunAsync(string path, string remote, TextWriter output, CancellationToken cancellationToken)
    {
        var repo = RepositoryCommand.Open(path);
        await RepositoryCommand.SendAsync(repo, "forget", cancellationToken, remote);
        await output.WriteLineAsync($"forgot {remote}: remote and refs/remotes/{remote}/* removed");
        return ExitCodes.Ok;
    }
}
