using System.Collections.Concurrent;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>Records what Sync publishes.</summary>
internal sealed class FakePublisher : ILocalRepoPublisher
{
    public ConcurrentQueue<(string RepoId, string Digest)> Published { get; } = new();

    public void PublishLocalRefs(string repoId, string refsDigest) => Published.Enqueue((repoId, refsDigest));
}
