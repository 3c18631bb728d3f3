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
}
