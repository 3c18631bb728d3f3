using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace PeerMesh.Cli.Control;

/// <summary>JSON settings shared by the control protocol and <c>status --json</c>.</summary>
internal static class ControlJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never,
        // Names and errors are shown as they are; the document is not embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // The protocol's own types from generated code (fast to start), anything else by reflection.
        TypeInfoResolver = JsonTypeInfoResolver.Combine(ControlJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };

    public static JsonSerializerOptions Indented { get; } = new(Options) { WriteIndented = true };
}
