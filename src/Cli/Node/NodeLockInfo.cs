using System.Text.Json.Serialization;

namespace PeerMesh.Cli.Node;

/// <summary>Who holds a repository's node lock; shown when a second <c>up</c> is refused. Names as written before the
/// file went through the generated serializer (which names in camelCase otherwise).</summary>
internal sealed record NodeLockInfo(
    [property: JsonPropertyName("Id")] string Id,
    [property: JsonPropertyName("Name")] string Name,
    [property: JsonPropertyName("Pid")] int Pid);
