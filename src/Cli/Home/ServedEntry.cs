namespace PeerMesh.Cli.Home;

/// <summary>One repository a node serves, as saved in the home.</summary>
/// <param name="Name">Its name on the git daemon (<c>git://HOST:PORT/NAME</c>), kept across restarts.</param>
/// <param name="Path">The work tree.</param>
/// <param name="GitDirectory">The common git directory served.</param>
/// <param name="RepoId">The project's id (root commit or <c>peermesh.repoId</c>) when it was added.</param>
internal sealed record ServedEntry(string Name, string Path, string GitDirectory, string RepoId);
