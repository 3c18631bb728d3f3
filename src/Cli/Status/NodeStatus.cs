namespace PeerMesh.Cli.Status;

/// <param name="Trust">The node ids pinned with <c>peermesh.trust</c> (lowercase); empty = every node is fetched.</param>
internal sealed record NodeStatus(string Id, string Name, int GossipPort, string Mesh, DateTimeOffset StartedAt, IReadOnlyList<string>? Trust = null);
