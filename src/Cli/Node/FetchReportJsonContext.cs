using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using PeerMesh.Sync.Fetching;

namespace PeerMesh.Cli.Node;

/// <summary>
/// The node's answer to <c>fetch</c>, serialized by generated code (no reflection in the node). Apart from
/// <c>ControlJsonContext</c>, whose type switch the clients run: a Sync type there loaded PeerMesh.Sync into every
/// <c>status</c>.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ImmutableArray<FetchReport>))]
internal sealed partial class FetchReportJsonContext : JsonSerializerContext;
