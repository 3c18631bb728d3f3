namespace PeerMesh.Sync.LocalRepo;

/// <param name="Id">The repo id peers match on.</param>
/// <param name="ShallowCut">
/// The id is the commit where a shallow clone's history was cut, not the project's first commit: it matches no full
/// clone of the project. Never set when <c>peermesh.repoId</c> is configured.
/// </param>
public sealed record RepoIdentity(string Id, bool ShallowCut);
