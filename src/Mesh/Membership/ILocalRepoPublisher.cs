namespace PeerMesh.Mesh.Membership;

/// <summary>Sync tells the mesh that local refs of a served repository changed.</summary>
public interface ILocalRepoPublisher
{
    /// <summary>
    /// Records a new refs digest for a local repository. If it differs from the last one, the refs
    /// version is raised and the announcement is sent at once to every live member sharing the repo,
    /// as well as gossiped.
    /// </summary>
    void PublishLocalRefs(string repoId, string refsDigest);

    /// <summary>
    /// Records a new refs digest with the version the caller chose (a signed refs statement's digest and sequence, so
    /// the gossiped version and the statement's sequence are one number). The version announced is
    /// <c>max(<paramref name="refsVersion"/>, held + 1)</c> when the digest differs from the held one, else the held
    /// version: returned, so a caller whose sequence was overtaken (a previous life's version heard back) can sign again
    /// above it.
    /// </summary>
    long PublishLocalRefs(string repoId, string refsDigest, long refsVersion);
}
