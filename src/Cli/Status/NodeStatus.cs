namespace PeerMesh.Cli.Status;

internal sealed record NodeStatus(string Id, string Name, int GossipPort, string Mesh, DateTimeOffset StartedAt);
