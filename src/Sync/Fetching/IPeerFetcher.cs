using PeerMesh.Sync.Status;

namespace PeerMesh.Sync.Fetching;

/// <summary>Fetches one managed remote (a fake in scheduling tests).</summary>
internal interface IPeerFetcher
{
    /// <summary>Throws <see cref="FetchFailedException"/> on failure.</summary>
    Task<FetchOutcome> FetchAsync(string remoteName, CancellationToken cancellationToken);

    /// <summary>The transfer of the fetch of <paramref name="remoteName"/> running now, or null.</summary>
    FetchTransferStatus? Transfer(string remoteName) => null;
}
