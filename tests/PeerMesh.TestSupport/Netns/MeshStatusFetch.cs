using System.Text.Json;

namespace PeerMesh.TestSupport.Netns;

public sealed record MeshStatusFetch(JsonElement At, bool Ok, string? Error);
