namespace PeerMesh.Sync.LocalRepo;

/// <summary>The path given to a command is not a usable repository; the message is one line for the user.</summary>
public sealed class RepositoryLookupException(string message) : Exception(message);
