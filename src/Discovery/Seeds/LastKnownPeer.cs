using System.Text.Json.Serialization;

namespace PeerMesh.Discovery.Seeds;

/// <summary>One remembered member (JSON record of <see cref="LastKnownPeers"/>).</summary>
internal sealed record LastKnownPeer(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("port")] int Port,
    [property: JsonPropertyName("lastSeen")] DateTimeOffset LastSeen);
