using System.Text.Json;
using System.Text.Json.Serialization;
using PeerMesh.Cli.Home;
using PeerMesh.Cli.Node;
using PeerMesh.Cli.Status;

namespace PeerMesh.Cli.Control;

/// <summary>
/// Serialization code generated at build time for what every <c>status</c> run reads and writes, and for the files in the
/// node's home: the client then needs no reflection and no code emitted at run time (System.Reflection.Emit was a fifth
/// of a <c>status --json</c> run), and neither does the node (the lock file through reflection loaded
/// System.Reflection.Emit into every node). Other types still go through reflection
/// (<see cref="ControlJson.Options"/> falls back to it). Only types of this assembly: the context's type switch would
/// load the assembly of any other, also in the clients (the fetch reports of Sync have a context of their own).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlResponse))]
[JsonSerializable(typeof(StatusDocument))]
[JsonSerializable(typeof(NodeLockInfo))]
[JsonSerializable(typeof(ServedReposFile.Document))]
[JsonSerializable(typeof(SettingsFile.Saved))]
internal sealed partial class ControlJsonContext : JsonSerializerContext;
