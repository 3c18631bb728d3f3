using System.Collections.Immutable;

namespace PeerMesh.Sync.Status;

/// <summary>Computes ahead/behind of a remote's tracking branches against the local ones.</summary>
internal interface IDivergenceSource
{
    ImmutableArray<BranchDivergence> Compute(string remoteName);
}
