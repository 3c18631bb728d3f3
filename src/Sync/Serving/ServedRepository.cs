namespace PeerMesh.Sync.Serving;

/// <summary>One repository a node serves: <c>git://HOST:PORT/NAME</c> is <paramref name="GitDirectory"/>.</summary>
/// <param name="Name">Its served name (<see cref="ServedName"/>); the URL path is <c>/NAME</c>.</param>
/// <param name="GitDirectory">Its git directory (a work tree's <c>.git</c>, or a bare repository), full path.</param>
/// <param name="State">Whether a clone of it works now.</param>
public sealed record ServedRepository(string Name, string GitDirectory, ServedRepositoryState State);
