using System.Collections.Concurrent;
using System.Collections.Immutable;
using PeerMesh.Sync.Fetching;
using PeerMesh.Sync.Status;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>A fetcher whose fetches the test completes by hand (per remote), counting calls and overlap.</summary>
internal sealed class FakeFetcher : IPeerFetcher, IDivergenceSource
{
    private readonly Dictionary<string, List<TaskCompletionSource<FetchOutcome>>> _running = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _waited = new(StringComparer.Ordinal);
    private readonly List<(string Remote, int Call, TaskCompletionSource Done)> _waits = [];
    private int _inFlight;
    private int _maxInFlight;

    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>Each call's remote and the URL it was asked to fetch from, in order.</summary>
    public ConcurrentQueue<(string Remote, string? Url)> Attempts { get; } = new();

    /// <summary>Remotes whose fetches complete at once with this result instead of waiting for the test.</summary>
    public ConcurrentDictionary<string, Func<FetchOutcome>> Immediate { get; } = new();

    /// <summary>
    /// Remotes whose waiting fetches do not see cancellation (as libgit2 stuck in a connect until its own timeout):
    /// they end only when the test completes them.
    /// </summary>
    public ConcurrentDictionary<string, bool> IgnoresCancellation { get; } = new();

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public int InFlight => Volatile.Read(ref _inFlight);

    public int CallsFor(string remote) => Calls.Count(c => c == remote);

    /// <summary>The URLs the fetches of <paramref name="remote"/> were asked to go to, in order.</summary>
    public IReadOnlyList<string?> UrlsFor(string remote) => [.. Attempts.Where(a => a.Remote == remote).Select(a => a.Url)];

    public async Task<FetchOutcome> FetchAsync(string remoteName, string? url, CancellationToken cancellationToken)
    {
        Calls.Enqueue(remoteName);
        Attempts.Enqueue((remoteName, url));
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
            lock (_gate)
            {
                if (!_running.TryGetValue(remoteName, out var list))
                {
                    _running[remoteName] = list = [];
                }

                list.Add(completion);
            }

            Waited(remoteName);
            try
            {
                return IgnoresCancellation.ContainsKey(remoteName)
                    ? await completion.Task
                    : await completion.Task.WaitAsync(cancellationToken);
            }
            finally
            {
                // A cancelled fetch no longer waits: the next Complete is for the next one.
                lock (_gate)
                {
                    _running[remoteName].Remove(completion);
                }
            }
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
        TaskCompletionSource<FetchOutcome> completion;
        lock (_gate)
        {
            if (!_running.TryGetValue(remote, out var list) || list.Count == 0)
            {
                return false;
            }

            completion = list[0];
            list.RemoveAt(0);
        }

        return error is null ? completion.TrySetResult(outcome ?? new FetchOutcome([], [], 0)) : completion.TrySetException(error);
    }

    /// <summary>What <see cref="Transfer"/> answers per remote (the real fetcher answers only while fetching).</summary>
    public ConcurrentDictionary<string, FetchTransferStatus> Transfers { get; } = new();

    public FetchTransferStatus? Transfer(string remoteName) => Transfers.GetValueOrDefault(remoteName);

    public int Waiting(string remote)
    {
        lock (_gate)
        {
            return _running.TryGetValue(remote, out var list) ? list.Count : 0;
        }
    }

    /// <summary>What ahead/behind answers; by default main is one ahead.</summary>
    public Func<string, ImmutableArray<BranchDivergence>> Divergence { get; set; } = _ => [new BranchDivergence("main", 1, 0)];

    public ImmutableArray<BranchDivergence> Compute(string remoteName) => Divergence(remoteName);
}
