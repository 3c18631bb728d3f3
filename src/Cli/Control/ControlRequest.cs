namespace PeerMesh.Cli.Control;

/// <summary>One request on the control socket: a JSON line. <see cref="Version"/> is the protocol version.</summary>
internal sealed record ControlRequest(int Version, string Command, string? Argument = null)
{
    public const int CurrentVersion = 1;
}
