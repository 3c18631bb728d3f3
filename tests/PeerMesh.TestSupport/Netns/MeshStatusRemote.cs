using System.Text.Json;

namespace PeerMesh.TestSupport.Netns;

public sealed record MeshStatusRemote(
    string? Repo,
    string Remote,
    MeshStatusFetch? LastFetch,
    JsonElement NextFetch,
    IReadOnlyList<MeshStatusBranch>? Branches);
