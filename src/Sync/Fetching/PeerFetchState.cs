using System.Collections.Immutable;
using PeerMesh.Sync.Status;

namespace PeerMesh.Sync.Fetching;

/// <summary>The scheduler's mutable bookkeeping for one peer. Guarded by the scheduler's lock.</summary>
internal sealed class PeerFetchState
{
    public PeerFetchState(string nodeId)
    {
        NodeId = nodeId;
    }

    public string NodeId { get; }

    public string? RemoteName { get; set; }

    public string? Url { get; set; }

    public bool Live { get; set; }

    /// <summary>Trusted as of the last membership pass (a peer that becomes trusted counts as joining).</summary>
    public bool Trusted { get; set; } = true;

    /// <summary>The refs version in the latest snapshot.</summary>
    public long AnnouncedVersion { get; set; }

    /// <summary>The version the last trigger asked for; a snapshot with another one triggers again.</summary>
    public long RequestedVersion { get; set; } = -1;

    /// <summary>The version fetched by the last successful fetch.</summary>
    public long FetchedVersion { get; set; } = -1;

    /// <summary>Successful fetches in a row that found nothing new (stretches the backstop; see <see cref="SyncOptions.QuietFetchMaxInterval"/>).</summary>
    public int QuietFetches { get; set; }

    /// <summary>A worker task exists for this peer (at most one: one fetch per peer at a time).</summary>
    public bool Running { get; set; }

    /// <summary>Holding a concurrency slot and fetching now.</summary>
    public bool InFlight { get; set; }

    /// <summary>The URL the running fetch's latest attempt went to (null when no fetch runs).</summary>
    public string? AttemptUrl { get; set; }

    /// <summary>Cancels the running fetch (and only it): the peer moved away from <see cref="AttemptUrl"/>.</summary>
    public CancellationTokenSource? RunCancel { get; set; }

    /// <summary>The cancellation of the running fetch for a move, once asked for; awaited by the worker.</summary>
    public Task? Cancelling { get; set; }

    /// <summary>Another fetch was asked for while one ran: run once more afterwards (coalesced).</summary>
    public bool Pending { get; set; }

    public List<TaskCompletionSource<FetchReport>> PendingWaiters { get; } = [];

    public LastFetchStatus? LastFetch { get; set; }

    public DateTimeOffset? NextFetch { get; set; }

    public ITimer? Backstop { get; set; }

    /// <summary>The peer's worker, awaited on stop.</summary>
    public Task? Worker { get; set; }

    public bool Rewritten { get; set; }

    public ImmutableArray<string> RewrittenRefs { get; set; } = [];

    public ImmutableArray<BranchDivergence> Branches { get; set; } = [];

    /// <summary>A fetch was asked for (or failed) while a local error holds all fetches; run when the hold ends.</summary>
    public bool HeldByLocalError { get; set; }
}
