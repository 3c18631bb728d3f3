using System.Collections.Immutable;

namespace PeerMesh.Mesh.SignedRefs;

/// <summary>
/// The newest copy of an author's statement among the candidates (null when there is none), every holder of exactly
/// that copy (author first), and whether another copy claimed the same sequence.
/// </summary>
internal sealed record NewestChoice(StatementSummary? Newest, ImmutableArray<StatementSummary> Holders, bool Conflict);
