namespace PeerMesh.TestSupport.Netns;

public sealed record MeshStatusNode(string Id, string? Name, int GossipPort);
