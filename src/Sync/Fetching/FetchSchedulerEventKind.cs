namespace PeerMesh.Sync.Fetching;

/// <summary>The known points of the fetch scheduler (see <see cref="FetchSchedulerEvent"/>).</summary>
internal enum FetchSchedulerEventKind
{
    /// <summary>A membership snapshot was applied (<see cref="FetchSchedulerEvent.Version"/>); Ok when the remotes could be updated.</summary>
    MembershipApplied = 1,

    /// <summary>The membership follower is parked, waiting for a change, the trust timer or its retry timer.</summary>
    MembershipWaiting = 2,

    /// <summary>Applying failed (or the view did): the follower looks again at <see cref="FetchSchedulerEvent.Due"/>.</summary>
    MembershipRetryArmed = 3,

    /// <summary><c>peermesh.trust</c> was read again; Ok when the list changed.</summary>
    TrustRead = 4,

    /// <summary>A fetch of the remote was asked for and a worker started for it.</summary>
    Triggered = 5,

    /// <summary>A fetch was asked for while the remote's worker ran: it goes round once more (coalesced).</summary>
    Coalesced = 6,

    /// <summary>A fetch asked for was held because a local error holds every fetch.</summary>
    TriggerHeld = 7,

    /// <summary>The remote's fetch holds a slot and is running now, at <see cref="FetchSchedulerEvent.Url"/>.</summary>
    FetchStarted = 8,

    /// <summary>A fetch ended (<see cref="FetchSchedulerEvent.Report"/>); the peer's state, backstop and hold are updated.</summary>
    FetchCompleted = 9,

    /// <summary>The remote's worker ended: nothing more is pending for it.</summary>
    WorkerIdle = 10,

    /// <summary>The remote's worker ended on an unexpected exception; the next trigger starts a new one.</summary>
    WorkerFaulted = 11,

    /// <summary>The remote's backstop timer fires at <see cref="FetchSchedulerEvent.Due"/>.</summary>
    BackstopArmed = 12,

    /// <summary>A local error holds every fetch until <see cref="FetchSchedulerEvent.Due"/> (the n-th <see cref="FetchSchedulerEvent.Failures"/> in a row).</summary>
    LocalHoldArmed = 13,

    /// <summary>The local hold is over: its wait elapsed (one peer probes), or Ok: the error is gone (every held peer runs).</summary>
    LocalHoldEnded = 14,

    /// <summary>Ahead/behind of every remote was computed again after the local branches moved.</summary>
    BranchesRefreshed = 15,

    /// <summary>
    /// The peer's remote URL changed (<see cref="FetchSchedulerEvent.Url"/>: the new one); Ok when a fetch running at the
    /// old address was cancelled for it.
    /// </summary>
    PeerMoved = 16,

    /// <summary>
    /// A fetch ended because its peer moved (not the peer's failure: no breaker count, no retry, no backstop, the last
    /// fetch unchanged); the worker runs it again at once at <see cref="FetchSchedulerEvent.Url"/>.
    /// </summary>
    FetchRestarted = 17,

    /// <summary>
    /// The peer's refs version changed, but it holds nothing this node lacks (its announced digest is that of our own
    /// holdings: <see cref="SignedRefs.HoldingsDigest"/>): no fetch is asked for.
    /// </summary>
    NothingNew = 18,
}
