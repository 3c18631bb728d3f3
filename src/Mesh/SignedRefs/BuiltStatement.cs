using System.Collections.Immutable;

namespace PeerMesh.Mesh.SignedRefs;

/// <summary>A statement just signed, and the author's branches it leaves out (shown in status, never silently).</summary>
internal sealed record BuiltStatement(RefsStatement Statement, ImmutableArray<OmittedBranch> Omitted);
