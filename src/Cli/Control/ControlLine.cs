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

    /// <summary>
    /// The node's answer line as a <see cref="ControlResponse"/>; null when it is not one (not JSON, not an object, a
    /// field of the wrong type).
    /// </summary>
    public static ControlResponse? Response(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return root.ValueKind != JsonValueKind.Object ? null : new ControlResponse(
                Field(root, "version") is { } version ? version.GetInt32() : throw new FormatException("no version"),
                Field(root, "ok") is { } ok ? ok.GetBoolean() : throw new FormatException("no ok"),
                Field(root, "error")?.GetString(),
                Field(root, "body") is { } body ? Node(body.Clone()) : null,
                Field(root, "exitCode")?.GetInt32());
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The property, null when it is missing or JSON null.</summary>
    private static JsonElement? Field(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static JsonNode? Node(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => JsonObject.Create(element),
        JsonValueKind.Array => JsonArray.Create(element),
        _ => JsonValue.Create(element),
    };
}
