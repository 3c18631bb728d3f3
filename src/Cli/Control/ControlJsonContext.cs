using System.Text.Json;
using System.Text.Json.Serialization;
using PeerMesh.Cli.Status;

namespace PeerMesh.Cli.Control;

/// <summary>
/// Serialization code generated at build time for what every <c>status</c> run reads and writes: the client then needs
/// no reflection and no code emitted at run time (System.Reflection.Emit was a fifth of a <c>status --json</c> run).
/// Other types still go through reflection (<see cref="ControlJson.Options"/> falls back to it).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlResponse))]
[JsonSerializable(typeof(StatusDocument))]
internal sealed partial class ControlJsonContext : JsonSerializerContext;
