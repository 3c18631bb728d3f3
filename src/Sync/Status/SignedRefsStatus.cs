using System.Collections.Immutable;
using PeerMesh.Sync.SignedRefs;

namespace PeerMesh.Sync.Status;

/// <summary>Signed refs of one repository for <c>status</c>.</summary>
/// <param name="Own">This node's statement as last signed; null before the first.</param>
/// <param name="Authors">Every author whose verified statement is held, and the holder it came from.</param>
/// <param name="Conflicts">Copies refused, per holder and author (HOSTILE 52, 53).</param>
/// <param name="Accepted">Statements accepted since start.</param>
/// <param name="Rejections">Statements refused since start, by reason.</param>
internal sealed record SignedRefsStatus(
    OwnStatementStatus? Own,
    ImmutableArray<RelayedAuthor> Authors,
    ImmutableArray<RelayConflict> Conflicts,
    long Accepted,
    ImmutableSortedDictionary<string, long> Rejections);
