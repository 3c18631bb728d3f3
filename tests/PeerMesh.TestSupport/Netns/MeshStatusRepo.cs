namespace PeerMesh.TestSupport.Netns;

public sealed record MeshStatusRepo(string Id, string? Name, string? Url);
