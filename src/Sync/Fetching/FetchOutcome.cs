using System.Collections.Immutable;

namespace PeerMesh.Sync.Fetching;

/// <summary>A successful fetch.</summary>
/// <param name="UpdatedRefs">Tracking refs created or moved, full names.</param>
/// <param name="RewrittenRefs">Tracking refs that moved to a commit not descending from the old one (history rewritten by the peer).</param>
/// <param name="ReceivedBytes">Bytes received.</param>
internal sealed record FetchOutcome(ImmutableArray<string> UpdatedRefs, ImmutableArray<string> RewrittenRefs, long ReceivedBytes);
