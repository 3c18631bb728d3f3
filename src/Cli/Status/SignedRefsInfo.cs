namespace PeerMesh.Cli.Status;

/// <summary>
/// Signed refs in one served project: this node's own statement (<paramref name="Seq"/>, <paramref name="At"/>, how
/// many branches it shares and which it leaves out at a cap), and the statements taken from peers and relays:
/// accepted and refused (by reason) since start.
/// </summary>
internal sealed record SignedRefsInfo(
    long? Seq,
    DateTimeOffset? At,
    int Shared,
    IReadOnlyList<string> NotShared,
    long Accepted,
    IReadOnlyDictionary<string, long> Refused)
{
    /// <summary>The branches shared, by name: exactly what the node serves of this project besides <c>refs/peermesh/*</c>.</summary>
    public IReadOnlyList<string> SharedBranches { get; init; } = [];

    /// <summary>The <c>peermesh.share</c> patterns; empty when every branch is shared.</summary>
    public IReadOnlyList<string> SharePatterns { get; init; } = [];
}
