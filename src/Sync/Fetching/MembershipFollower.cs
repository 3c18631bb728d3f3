using Microsoft.Extensions.Logging;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// Follows the membership and the trust list: hands every new snapshot to <c>apply</c> (reconcile remotes, trigger
/// fetches), reads <c>peermesh.trust</c> again when asked (<see cref="ConfigChanged"/>: the ref watcher's config
/// events and its safety poll; no timer of its own, so an idle repository does not wake it) and applies the current
/// snapshot again when it changed, and after a failed apply or a failing view looks again after
/// <see cref="SyncOptions.ReconcileRetryDelay"/>. Driven by <see cref="IMembershipView.WaitForChangeAsync"/> and a
/// <see cref="TimeProvider"/> timer; owns one loop task (Start/Stop over it). Apply runs on the loop only.
/// </summary>
internal sealed partial class MembershipFollower : IAsyncDisposable
{
    private readonly IMembershipView _view;
    private readonly SyncOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<MembershipSnapshot, bool> _apply;
    private readonly Func<bool> _readTrust;
    private readonly Action<FetchSchedulerEventKind, long, DateTimeOffset?, bool> _observe;
    private readonly WakeSignal _wake = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private ITimer? _retryTimer;
    private int _trustDue;
    private int _retryDue;
    private Task? _loop;

    /// <param name="view">The membership.</param>
    /// <param name="options">The retry delay.</param>
    /// <param name="time">The retry timer.</param>
    /// <param name="logger">Faults of the view.</param>
    /// <param name="apply">Applies a snapshot; false when the remotes could not be updated (retried).</param>
    /// <param name="readTrust">Reads the trust list again; true when it changed.</param>
    /// <param name="observe">Known points: kind, snapshot version, due time, ok.</param>
    public MembershipFollower(
        IMembershipView view,
        SyncOptions options,
        TimeProvider time,
        ILogger logger,
        Func<MembershipSnapshot, bool> apply,
        Func<bool> readTrust,
        Action<FetchSchedulerEventKind, long, DateTimeOffset?, bool> observe)
    {
        _view = view;
        _options = options;
        _time = time;
        _logger = logger;
        _apply = apply;
        _readTrust = readTrust;
        _observe = observe;
    }

    public void Start()
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("already started");
        }

        _loop = RunAsync(_stop.Token);
    }

    public async Task StopAsync()
    {
        // Cancelled first: a retry armed after this point is refused (ArmRetry looks under the same lock).
        await _stop.CancelAsync();
        lock (_gate)
        {
            _retryTimer?.Dispose();
            _retryTimer = null;
        }

        if (_loop is not null)
        {
            await _loop;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    /// <summary>The config may have changed: read the trust list again on the loop (coalesced; returns at once).</summary>
    public void ConfigChanged()
    {
        Volatile.Write(ref _trustDue, 1);
        _wake.Set();
    }

    private void RetryDue()
    {
        lock (_gate)
        {
            _retryTimer?.Dispose();
            _retryTimer = null;
        }

        Volatile.Write(ref _retryDue, 1);
        _wake.Set();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        // Started under the caller's locks, perhaps: apply on the pool.
        await Task.Yield();
        var snapshot = MembershipSnapshot.Empty;
        var ok = false;
        var faulted = false;
        var first = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                MembershipSnapshot? next;
                if (first)
                {
                    first = false;
                    next = _view.Current;
                }
                else
                {
                    if (!ok)
                    {
                        ArmRetry();
                    }

                    _observe(FetchSchedulerEventKind.MembershipWaiting, snapshot.Version, null, false);
                    next = faulted ? await WokenAsync(cancellationToken) : await ChangeOrWakeAsync(snapshot.Version, cancellationToken);
                    var trustChanged = Interlocked.Exchange(ref _trustDue, 0) == 1 && ReadTrust();
                    var retry = Interlocked.Exchange(ref _retryDue, 0) == 1;
                    if (next is null && (faulted || retry || trustChanged))
                    {
                        next = _view.Current;
                    }
                }

                if (next is null)
                {
                    continue;
                }

                faulted = false;
                snapshot = next;
                ok = _apply(snapshot);
                _observe(FetchSchedulerEventKind.MembershipApplied, snapshot.Version, null, ok);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A fault in the membership view must not end syncing: note it and look again shortly.
                LogMembershipFailed(_logger, e);
                ok = false;
                faulted = true;
            }
        }
    }

    private bool ReadTrust()
    {
        var changed = _readTrust();
        _observe(FetchSchedulerEventKind.TrustRead, 0, null, changed);
        return changed;
    }

    /// <summary>Waits for the wake signal only (the view failed); null: look at the current snapshot.</summary>
    private async Task<MembershipSnapshot?> WokenAsync(CancellationToken cancellationToken)
    {
        await _wake.WaitAsync().WaitAsync(cancellationToken);
        return null;
    }

    /// <summary>The next snapshot after <paramref name="version"/>, or null when a timer woke the loop first.</summary>
    private async Task<MembershipSnapshot?> ChangeOrWakeAsync(long version, CancellationToken cancellationToken)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var change = _view.WaitForChangeAsync(version, waiting.Token).AsTask();
        var woken = _wake.WaitAsync();
        if (await Task.WhenAny(change, woken).WaitAsync(cancellationToken) == change)
        {
            return await change;
        }

        // End the view's wait before the next one (no waiter left behind), keeping a change that came meanwhile.
        await waiting.CancelAsync();
        try
        {
            return await change;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private void ArmRetry()
    {
        DateTimeOffset due;
        lock (_gate)
        {
            if (_retryTimer is not null || _stop.IsCancellationRequested)
            {
                return; // one retry at a time; a change meanwhile is applied anyway
            }

            due = _time.GetUtcNow() + _options.ReconcileRetryDelay;
            _retryTimer = _time.CreateTimer(static s => ((MembershipFollower)s!).RetryDue(), this, _options.ReconcileRetryDelay, Timeout.InfiniteTimeSpan);
        }

        _observe(FetchSchedulerEventKind.MembershipRetryArmed, 0, due, false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "reading the membership failed; retrying")]
    private static partial void LogMembershipFailed(ILogger logger, Exception exception);
}
