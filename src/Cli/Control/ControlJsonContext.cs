using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using PeerMesh.Cli.Home;
using PeerMesh.Cli.Node;
using PeerMesh.Cli.Status;
using PeerMesh.Sync.Fetching;

namespace PeerMesh.Cli.Control;

/// <summary>
/// Serialization code generated at build time for what every <c>status</c> run reads and writes, and for the files in the
/// node's home: the client then needs no reflection and no code emitted at run time (System.Reflection.Emit was a fifth
/// of a <c>status --json</c> run), and neither does the node (the lock file through reflection loaded
/// System.Reflection.Emit into every node). Other types still go through reflection
/// (<see cref="ControlJson.Options"/> falls back to it).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ControlRequest))]
[JsonSerializable(typeof(ControlResponse))]
[JsonSerializable(typeof(StatusDocument))]
[JsonSerializable(typeof(NodeLockInfo))]
[JsonSerializable(typeof(ServedReposFile.Document))]
[JsonSerializable(typeof(SettingsFile.Saved))]
[JsonSerializable(typeof(ImmutableArray<FetchReport>))]
internal sealed partial class ControlJsonContext : JsonSerializerContext;
