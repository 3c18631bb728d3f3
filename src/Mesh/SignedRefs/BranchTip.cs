namespace PeerMesh.Mesh.SignedRefs;

/// <summary>A branch of a statement: its name without <c>refs/heads/</c> and its commit id (40 lower-case hex characters).</summary>
internal readonly record struct BranchTip(string Name, string CommitId);
