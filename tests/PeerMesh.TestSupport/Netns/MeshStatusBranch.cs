namespace PeerMesh.TestSupport.Netns;

public sealed record MeshStatusBranch(string Name, int Ahead, int Behind);
