using PeerMesh.Cli.Control;
using PeerMesh.Sync.LocalRepo;

namespace PeerMesh.Cli.Commands;

/// <summary>What the commands share: finding the repository and talking to its node.</summary>
internal static class RepositoryCommand
{
    public static LocalRepository Open(string path)
    {
        try
        {
            return LocalRepository.Open(path);
        }
        catch (RepositoryLookupException e)
        {
            throw new CliException(e.Message, ExitCodes.Usage);
        }
    }

    public static Task<ControlResponse> SendAsync(LocalRepository repo, string command, CancellationToken cancellationToken, string? argument = null) =>
        ControlClient.SendAsync(
            ControlPaths.ClientSocketPath(repo.StateDirectory),
            repo.WorkingDirectory,
            new ControlRequest(ControlRequest.CurrentVersion, command, argument),
            cancellationToken);
}
