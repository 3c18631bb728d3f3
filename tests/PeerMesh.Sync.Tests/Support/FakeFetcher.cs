using System.Collections.Concurrent;
using System.Collections.Immutable;
using PeerMesh.Sync.Fetching;
using PeerMesh.Sync.Status;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>A fetcher whose fetches the test completes by hand (per remote), counting calls and overlap.</summary>
internal sealed class FakeFetcher : IPeerFetcher, IDivergenceSource
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<TaskCompletionSource<FetchOutcome>>> _running = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _waited = new(StringComparer.Ordinal);
    private readonly List<(string Remote, int Call, TaskCompletionSource Done)> _waits = [];
    private int _inFlight;
    private int _maxInFlight;

    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>Remotes whose fetches complete at once with this result instead of waiting for the test.</summary>
    public ConcurrentDictionary<string, Func<FetchOutcome>> Immediate { get; } = new();

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public int InFlight => Volatile.Read(ref _inFlight);

    public int CallsFor(string remote) => Calls.Count(c => c == remote);

    public async Task<FetchOutcome> FetchAsync(string remoteName, CancellationToken cancellationToken)
    {
        Calls.Enqueue(remoteName);
        var now = Interlocked.Increment(ref _inFlight);
        int max;
        while (now > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, max) != max)
        {
        }

        try
        {
            if (Immediate.TryGetValue(remoteName, out var result))
            {
                return result();
            }

            var completion = new TaskCompletionSource<FetchOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            _running.GetOrAdd(remoteName, _ => new()).Enqueue(completion);
            Waited(remoteName);
            return await completion.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>Completes once the <paramref name="call"/>-th fetch of <paramref name="remote"/> that the test completes by hand is waiting.</summary>
    public Task WaitingAsync(string remote, int call = 1)
    {
        lock (_gate)
        {
            if (_waited.GetValueOrDefault(remote) >= call)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waits.Add((remote, call, done));
            return done.Task.WaitAsync(TimeSpan.FromMinutes(2), Xunit.TestContext.Current.CancellationToken);
        }
    }

    private void Waited(string remote)
    {
        List<TaskCompletionSource> done;
        lock (_gate)
        {
            var count = _waited[remote] = _waited.GetValueOrDefault(remote) + 1;
            done = [.. _waits.Where(w => w.Remote == remote && w.Call <= count).Select(w => w.Done)];
            _waits.RemoveAll(w => w.Remote == remote && w.Call <= count);
        }

        foreach (var tcs in done)
        {
            tcs.TrySetResult();
        }
    }

    /// <summary>Completes the oldest waiting fetch of a remote; false when none waits.</summary>
    public bool Complete(string remote, FetchOutcome? outcome = null, Exception? error = null)
    {
        if (!_running.TryGetValue(remote, out var queue) || !queue.TryDequeue(out var completion))
        {
            return false;
        }

        return error is null ? completion.TrySetResult(outcome ?? new FetchOutcome([], [], 0)) : completion.TrySetException(error);
    }

    /// <summary>What <see cref="Transfer"/> answers per remote (the real fetcher answers only while fetching).</summary>
    public ConcurrentDictionary<string, FetchTransferStatus> Transfers { get; } = new();

    public FetchTransferStatus? Transfer(string remoteName) => Transfers.GetValueOrDefault(remoteName);

    public int Waiting(string remote) => _running.TryGetValue(remote, out var queue) ? queue.Count : 0;

    /// <summary>What ahead/behind answers; by default main is one ahead.</summary>
    public Func<string, ImmutableArray<BranchDivergence>> Divergence { get; set; } = _ => [new BranchDivergence("main", 1, 0)];

    public ImmutableArray<BranchDivergence> Compute(string remoteName) => Divergence(remoteName);
}
