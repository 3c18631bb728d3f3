using System.Text.Json.Nodes;

namespace PeerMesh.Cli.Control;

/// <summary>The answer to a <see cref="ControlRequest"/>: a JSON line.</summary>
/// <param name="ExitCode">For a failure, the exit code the command should end with (null: 1).</param>
internal sealed record ControlResponse(int Version, bool Ok, string? Error, JsonNode? Body, int? ExitCode = null)
{
    public static ControlResponse Success(JsonNode? body = null) => new(ControlRequest.CurrentVersion, true, null, body);

    public static ControlResponse Failure(string error, int exitCode = ExitCodes.Failure) => new(ControlRequest.CurrentVersion, false, error, null, exitCode);
}
