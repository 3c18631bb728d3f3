using System.Text.Json.Nodes;

namespace PeerMesh.Cli.Control;

/// <summary>The answer to a <see cref="ControlRequest"/>: a JSON line.</summary>
internal sealed record ControlResponse(int Version, bool Ok, string? Error, JsonNode? Body)
{
    public static ControlResponse Success(JsonNode? body = null) => new(ControlRequest.CurrentVersion, true, null, body);

    public static ControlResponse Failure(string error) => new(ControlRequest.CurrentVersion, false, error, null);
}
