using System.Text.Json;

namespace PeerMesh.TestSupport.Netns;

/// <summary>A peer as one node sees it; <see cref="State"/> is alive, suspect, dead or left.</summary>
public sealed record MeshStatusPeer(
    string Id,
    string? Name,
    string State,
    string? Address,
    JsonElement LastSeen,
    IReadOnlyList<string>? FoundBy,
    IReadOnlyList<MeshStatusRemote>? Remotes)
{
    public bool IsAlive => State == "alive";

    public bool WasFoundBy(string source) => FoundBy?.Contains(source) == true;
}
