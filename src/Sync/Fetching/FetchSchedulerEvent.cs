namespace PeerMesh.Sync.Fetching;

/// <summary>
/// One known point reached by the fetch scheduler, raised after the state it names is in place (so a test that
/// awaits it can assert on status, or advance a fake clock past a timer it says is armed). Raised under the
/// scheduler's lock: an observer records it and returns, it never calls back into the scheduler.
/// </summary>
/// <param name="Kind">What happened.</param>
/// <param name="At">The scheduler's clock when it happened.</param>
/// <param name="Remote">The managed remote concerned, if any.</param>
/// <param name="Trigger">Why a fetch was asked for (<see cref="FetchSchedulerEventKind.Triggered"/>, <see cref="FetchSchedulerEventKind.Coalesced"/>, <see cref="FetchSchedulerEventKind.TriggerHeld"/>).</param>
/// <param name="Version">The membership snapshot's version (<see cref="FetchSchedulerEventKind.MembershipApplied"/>).</param>
/// <param name="Due">When an armed timer fires.</param>
/// <param name="Report">The fetch's result (<see cref="FetchSchedulerEventKind.FetchCompleted"/>, <see cref="FetchSchedulerEventKind.WorkerFaulted"/>).</param>
/// <param name="Failures">Local failures in a row (<see cref="FetchSchedulerEventKind.LocalHoldArmed"/>).</param>
/// <param name="Ok">Applied with the remotes updated, trust list changed, hold ended because the error is gone, or a fetch at a peer's old address cancelled.</param>
/// <param name="Url">The address a fetch starts at (<see cref="FetchSchedulerEventKind.FetchStarted"/>) or the peer moved to.</param>
internal sealed record FetchSchedulerEvent(
    FetchSchedulerEventKind Kind,
    DateTimeOffset At,
    string? Remote = null,
    FetchTrigger Trigger = FetchTrigger.None,
    long Version = 0,
    DateTimeOffset? Due = null,
    FetchReport? Report = null,
    int Failures = 0,
    bool Ok = false,
    string? Url = null);
