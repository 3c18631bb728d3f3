namespace PeerMesh.Cli;

/// <summary>A failure with a one-line message for the user and the exit code that goes with it.</summary>
internal sealed class CliException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
