namespace PeerMesh.Cli.Control;

/// <summary>One request on the control socket: a JSON line. <see cref="Version"/> is the protocol version.</summary>
/// <param name="Repo">The served repository the command is about (its work tree), for <c>status</c>, <c>fetch</c> and <c>forget</c>; null = the node, or every repository.</param>
internal sealed record ControlRequest(int Version, string Command, string? Argument = null, string? Repo = null)
{
    public const int CurrentVersion = 1;
}
