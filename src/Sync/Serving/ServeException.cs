namespace PeerMesh.Sync.Serving;

/// <summary>A repository cannot be served (not a git repository, its name held by something else); one line for the user.</summary>
public sealed class ServeException(string message) : Exception(message);
