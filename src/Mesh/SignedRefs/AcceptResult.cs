namespace PeerMesh.Mesh.SignedRefs;

/// <summary>
/// The answer of <see cref="StatementLedger.Offer"/>: the outcome, the <see cref="StatementRejection"/> reason when
/// rejected, the statement held before, and (accepted only) what the new one changes.
/// </summary>
internal sealed record AcceptResult(AcceptOutcome Outcome, string? Reason, RefsStatement? Previous, StatementDiff? Diff)
{
    public static AcceptResult Rejected(string reason, RefsStatement? held) => new(AcceptOutcome.Rejected, reason, held, null);
}
