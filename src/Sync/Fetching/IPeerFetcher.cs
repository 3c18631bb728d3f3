using PeerMesh.Sync.Status;

namespace PeerMesh.Sync.Fetching;

/// <summary>Fetches one managed remote (a fake in scheduling tests).</summary>
internal interface IPeerFetcher
{
    /// <summary>
    /// Fetches managed remote <paramref name="remoteName"/> from <paramref name="url"/>: the address the scheduler
    /// knows the peer at as the attempt starts (the remote's config is not read for it, so a move written meanwhile
    /// cannot split one attempt between two addresses). Throws <see cref="FetchFailedException"/> on failure.
    /// </summary>
    Task<FetchOutcome> FetchAsync(string remoteName, string? url, CancellationToken cancellationToken);

    /// <summary>The transfer of the fetch of <paramref name="remoteName"/> running now, or null.</summary>
    FetchTransferStatus? Transfer(string remoteName) => null;
}
