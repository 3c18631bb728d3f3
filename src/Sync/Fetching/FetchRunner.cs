using Polly.CircuitBreaker;
using Polly.Timeout;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// Runs one fetch of one peer: waits for one of <see cref="SyncOptions.MaxConcurrentFetches"/> slots, then calls the
/// fetcher through the peer's own Polly pipeline (<see cref="FetchPipelines"/>: timeouts, retries, breaker), so a slow
/// or dead peer only holds its own slot. Time is Polly's <see cref="TimeProvider"/>. Expected failures come back in
/// the <see cref="FetchResult"/>; any other exception is a bug below and propagates to the worker.
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
    /// Fetches <paramref name="remote"/> of peer <paramref name="nodeId"/>; <paramref name="started"/> runs once a slot is
    /// held, just before the fetch. Cancelled (node stopping) before or during: a failed result.
    /// </summary>
    public async Task<FetchResult> RunAsync(string nodeId, string remote, Action started, CancellationToken cancellationToken)
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
            started();
            var outcome = await _pipelines.For(nodeId).ExecuteAsync(
                ct => new ValueTask<FetchOutcome>(_fetcher.FetchAsync(remote, ct)),
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

    /// <summary>What a fetch may end with; the rest is a bug in the fetcher or below.</summary>
    private static bool IsExpected(Exception e) =>
        e is FetchFailedException or BrokenCircuitException or TimeoutRejectedException or OperationCanceledException;
}
