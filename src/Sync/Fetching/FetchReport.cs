namespace PeerMesh.Sync.Fetching;

/// <summary>The result of one requested fetch, for <c>peermesh fetch</c>.</summary>
/// <param name="Remote">The remote's name.</param>
/// <param name="NodeId">The peer, or empty when no managed remote had the name.</param>
/// <param name="Ok">True when it succeeded.</param>
/// <param name="Error">Plain words when it failed.</param>
/// <param name="UpdatedRefs">Tracking refs moved by it.</param>
internal sealed record FetchReport(string Remote, string NodeId, bool Ok, string? Error, int UpdatedRefs);
