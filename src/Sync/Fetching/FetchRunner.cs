using Polly.CircuitBreaker;
using Polly.Timeout;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// Runs one fetch of one peer: waits for one of <see cref="SyncOptions.MaxConcurrentFetches"/> slots, then calls the
/// fetcher through the peer's own Polly pipeline (<see cref="FetchPipelines"/>: timeouts, retries, breaker), so a slow
/// or dead peer only holds its own slot. Time is Polly's <see cref="TimeProvider"/>. Expected failures come back in
/// the <see cref="FetchResult"/>; any other exception is a bug below and propagates to the worker. Each attempt goes
/// to the address the peer is known at when it starts.
/// </summary>
internal sealed class FetchRunner : IDisposable
{
    private readonly IPeerFetcher _fetcher;
    private readonly FetchPipelines _pipelines;
    private readonly SemaphoreSlim _slots;

    public FetchRunner(SyncOptions options, IPeerFetcher fetcher, FetchPipelines pipelines)
    {
        _fetcher = fetcher;
        _pipelines = pipelines;
        _slots = new SemaphoreSlim(options.MaxConcurrentFetches, options.MaxConcurrentFetches);
    }

    /// <summary>
    /// Fetches <paramref name="remote"/> of peer <paramref name="nodeId"/>. Each attempt (Polly may make several) asks
    /// <paramref name="beginAttempt"/>, once a slot is held, for the URL the peer is known at now. An attempt that fails
    /// (or is cancelled) when <paramref name="movedFrom"/> says the peer is no longer at that URL failed because the peer
    /// moved: it ends as <see cref="FetchErrorKind.AddressMoved"/>, which Polly neither retries nor counts against the
    /// breaker. Cancelled (node stopping, or the run given up for a move) before or during: a failed result.
    /// </summary>
    public async Task<FetchResult> RunAsync(
        string nodeId,
        string remote,
        Func<string?> beginAttempt,
        Func<string?, string?> movedFrom,
        CancellationToken cancellationToken)
    {
        try
        {
            await _slots.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException e)
        {
            return new FetchResult(null, e);
        }

        try
        {
            var outcome = await _pipelines.For(nodeId).ExecuteAsync(
                ct => new ValueTask<FetchOutcome>(AttemptAsync(remote, beginAttempt, movedFrom, ct)),
                cancellationToken);
            return new FetchResult(outcome, null);
        }
        catch (Exception e) when (IsExpected(e))
        {
            return new FetchResult(null, e);
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();

    private async Task<FetchOutcome> AttemptAsync(string remote, Func<string?> beginAttempt, Func<string?, string?> movedFrom, CancellationToken cancellationToken)
    {
        var url = beginAttempt();
        try
        {
            return await _fetcher.FetchAsync(remote, url, cancellationToken);
        }
        catch (Exception e) when (e is FetchFailedException or OperationCanceledException && movedFrom(url) is { } now)
        {
            // A connect to an address the peer has left says nothing about the peer (issue 12 item 14).
            throw new FetchFailedException(FetchErrorKind.AddressMoved, $"the peer moved from {url ?? "(no address)"} to {now}", e);
        }
    }

    /// <summary>What a fetch may end with; the rest is a bug in the fetcher or below.</summary>
    private static bool IsExpected(Exception e) =>
        e is FetchFailedException or BrokenCircuitException or TimeoutRejectedException or OperationCanceledException;
}
