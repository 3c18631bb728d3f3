namespace PeerMesh.Cli.Status;

/// <param name="Drops">Datagrams dropped, by reason (malformed, key-mismatch, stale, ...).</param>
internal sealed record GossipInfo(long DatagramsIn, long DatagramsOut, IReadOnlyDictionary<string, long> Drops);
