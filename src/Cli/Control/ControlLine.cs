using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PeerMesh.Cli.Control;

/// <summary>
/// The client's side of the control protocol's lines, written and read with the JSON reader and writer alone, not the
/// serializer: a command asks one question, and starting the serializer (its options, its metadata for the two records)
/// took longer than the rest of a <c>status --json</c> run after the runtime's own start. The node reads and writes the
/// same lines with the serializer (<see cref="ControlServer"/>); the tests hold the two to the same form.
/// </summary>
internal static class ControlLine
{
    /// <summary>The request as one JSON line (the serializer's form of <see cref="ControlRequest"/>, camelCase).</summary>
    public static byte[] Request(ControlRequest request)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", request.Version);
            writer.WriteString("command", request.Command);
            writer.WriteString("argument", request.Argument);
            writer.WriteString("repo", request.Repo);
            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The node's answer line as a <see cref="ControlResponse"/>; null when it is not one (not JSON, not an object).</summary>
    public static ControlResponse? Response(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            return new ControlResponse(
                root.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.Number ? version.GetInt32() : 0,
                root.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True,
                root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String ? error.GetString() : null,
                root.TryGetProperty("body", out var body) ? Node(body.Clone()) : null,
                root.TryGetProperty("exitCode", out var exitCode) && exitCode.ValueKind == JsonValueKind.Number ? exitCode.GetInt32() : null);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    private static JsonNode? Node(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => JsonObject.Create(element),
        JsonValueKind.Array => JsonArray.Create(element),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => JsonValue.Create(element),
    };
}
