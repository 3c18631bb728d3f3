namespace PeerMesh.Cli.Status;

/// <param name="Drops">Datagrams dropped, by reason (malformed, key-mismatch, stale, ...).</param>
/// <param name="BytesIn">Gossip bytes received (UDP payloads, all datagrams counted in <paramref name="DatagramsIn"/>).</param>
/// <param name="BytesOut">Gossip bytes sent.</param>
internal sealed record GossipInfo(long DatagramsIn, long DatagramsOut, IReadOnlyDictionary<string, long> Drops, long BytesIn = 0, long BytesOut = 0);
