namespace PeerMesh.Sync.Remotes;

/// <summary>A git remote PeerMesh made for a peer (it carries <c>remote.NAME.peermeshNode</c>).</summary>
/// <param name="Name">The remote's name.</param>
/// <param name="NodeId">The node it was made for.</param>
/// <param name="Url">Its current URL.</param>
internal sealed record ManagedRemote(string Name, string NodeId, string? Url);
