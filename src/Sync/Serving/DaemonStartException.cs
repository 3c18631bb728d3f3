namespace PeerMesh.Sync.Serving;

/// <summary>The git daemon could not be started at all; the message is one line for the user.</summary>
public sealed class DaemonStartException(string message) : Exception(message);
