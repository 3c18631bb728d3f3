using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using PeerMesh.Sync.Status;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// Ahead/behind of each remote's branches against ours: computed after each successful fetch (by the worker), and
/// for every remote when our branches move. The ref watcher only signals (<see cref="LocalBranchesMoved"/>); the
/// recomputation runs here, on the pool, one at a time, signals during a run coalesced into one more run, so the
/// watcher's loop never waits for it. Driven by fetch completions and the watcher's signal; no timers.
/// </summary>
internal sealed partial class AheadBehind
{
    private readonly IDivergenceSource _source;
    private readonly ILogger _logger;
    private readonly Func<IReadOnlyList<string>> _remotes;
    private readonly Action<string, ImmutableArray<BranchDivergence>> _store;
    private readonly Action _refreshed;
    private readonly Lock _gate = new();
    private Task _refresh = Task.CompletedTask;
    private bool _running;
    private bool _again;
    private bool _stopped;

    /// <param name="source">Computes one remote's divergence (reads the repository).</param>
    /// <param name="logger">Failures of a computation.</param>
    /// <param name="remotes">The managed remotes to recompute, read at the start of each run.</param>
    /// <param name="store">Records one remote's new figures (takes the scheduler's lock).</param>
    /// <param name="refreshed">A run over every remote is done.</param>
    public AheadBehind(
        IDivergenceSource source,
        ILogger logger,
        Func<IReadOnlyList<string>> remotes,
        Action<string, ImmutableArray<BranchDivergence>> store,
        Action refreshed)
    {
        _source = source;
        _logger = logger;
        _remotes = remotes;
        _store = store;
        _refreshed = refreshed;
    }

    /// <summary>One remote, on the pool (the caller may hold a fetch worker); null when it cannot be computed.</summary>
    public Task<ImmutableArray<BranchDivergence>?> ComputeAsync(string remote) =>
        Task.Run(() => Compute(remote), CancellationToken.None);

    /// <summary>Our branches moved: recompute every remote (now, or once more after the run in progress).</summary>
    public void LocalBranchesMoved()
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            if (_running)
            {
                _again = true;
                return;
            }

            _running = true;
            _refresh = Task.Run(Refresh, CancellationToken.None);
        }
    }

    /// <summary>No more runs; waits for the one in progress.</summary>
    public Task StopAsync()
    {
        lock (_gate)
        {
            _stopped = true;
            return _refresh;
        }
    }

    private void Refresh()
    {
        while (true)
        {
            try
            {
                foreach (var remote in _remotes())
                {
                    if (Compute(remote) is { } branches)
                    {
                        _store(remote, branches);
                    }
                }

                _refreshed();
            }
            catch (Exception e)
            {
                LogRefreshFailed(_logger, e);
            }

            lock (_gate)
            {
                if (!_again || _stopped)
                {
                    _running = false;
                    return;
                }

                _again = false;
            }
        }
    }

    private ImmutableArray<BranchDivergence>? Compute(string remote)
    {
        try
        {
            return _source.Compute(remote);
        }
        catch (Exception e)
        {
            LogDivergenceFailed(_logger, remote, e.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not compute ahead/behind for {Remote}: {Reason}")]
    private static partial void LogDivergenceFailed(ILogger logger, string remote, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "recomputing ahead/behind failed")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
