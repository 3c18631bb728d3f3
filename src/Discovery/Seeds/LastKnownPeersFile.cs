using System.Text.Json.Serialization;

namespace PeerMesh.Discovery.Seeds;

/// <summary>The file format of <see cref="LastKnownPeers"/>, versioned.</summary>
internal sealed record LastKnownPeersFile(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("peers")] IReadOnlyList<LastKnownPeer> Peers)
{
    public const int CurrentVersion = 1;
}
