using System.Collections.Immutable;
using PeerMesh.Mesh.SignedRefs;

namespace PeerMesh.Sync.Status;

/// <summary>This node's own statement: its sequence, when it was signed, how many branches it carries and which it leaves out.</summary>
internal sealed record OwnStatementStatus(long Sequence, DateTimeOffset SignedAt, int Branches, ImmutableArray<OmittedBranch> Omitted)
{
    /// <summary>The branches the statement carries, which are what the node serves of the repository.</summary>
    public ImmutableArray<string> Shared { get; init; } = [];

    /// <summary>The <c>peermesh.share</c> patterns in force; empty: every branch.</summary>
    public ImmutableArray<string> SharePatterns { get; init; } = [];
}
