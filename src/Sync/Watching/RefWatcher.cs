using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Sync.Watching;

/// <summary>
/// Watches the local refs (loose refs, packed-refs, HEAD) and the repository's config, publishes a new refs digest
/// through the mesh as soon as a branch moves and says when the config changed: file-system events
/// (<see cref="IGitDirWatch"/>), debounced by a few milliseconds because git writes a lock file and renames it. An
/// idle repository costs nothing but a slow safety poll (<see cref="SyncOptions.RefPollInterval"/>) that catches what
/// the events missed; when the events cannot be had (out of inotify watches, a file system without them), or while
/// the repository cannot be read, it polls every <see cref="SyncOptions.RefFallbackPollInterval"/> instead, and says
/// why. Owns one loop task.
/// </summary>
internal sealed partial class RefWatcher : IAsyncDisposable
{
    private readonly string _gitDir;
    private readonly string _commonDir;
    private readonly string _repoId;
    private readonly ILocalRepoPublisher _publisher;
    private readonly SyncOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Action<string>? _onChanged;
    private readonly Action<long>? _onRead;
    private readonly Action? _onConfigChanged;
    private readonly IGitDirWatch _watch;
    private readonly Channel<bool> _signals = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite, // one pending signal is enough: the loop recomputes everything
        SingleReader = true,
    });

    private readonly Lock _pollGate = new();
    private CancellationTokenSource? _stop;
    private ITimer? _poll;
    private Task? _loop;
    private string? _currentDigest;
    private string? _lastError;
    private long _signalCount;
    private int _pending; // GitDirChange flags not yet looked at
    private string? _watchFailure;
    private TimeSpan _pollInterval;

    // onChanged runs on the watcher's loop after each published change (a signal: it must return at once);
    // onRead after every successful read of the refs, with the timestamp (TimeProvider.GetTimestamp) at which the
    // read began, so a scheduler that saw the repository missing knows it is back even if this watcher never saw
    // it gone (a poll can fall entirely outside the time it was away); onConfigChanged when the repository's config
    // may have changed (an event, or every poll: the poll cannot tell), also a signal. watch: default inotify.
    public RefWatcher(
        string gitDir,
        string repoId,
        ILocalRepoPublisher publisher,
        SyncOptions options,
        TimeProvider timeProvider,
        ILogger<RefWatcher> logger,
        Action<string>? onChanged = null,
        Action<long>? onRead = null,
        Action? onConfigChanged = null,
        IGitDirWatch? watch = null)
    {
        _gitDir = Path.GetFullPath(gitDir);
        _commonDir = CommonDir(_gitDir);
        _repoId = repoId;
        _publisher = publisher;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _onChanged = onChanged;
        _onRead = onRead;
        _onConfigChanged = onConfigChanged;
        _watch = watch ?? new FileSystemGitDirWatch(_gitDir, _commonDir);
    }

    /// <summary>The last digest computed (and published), null before start.</summary>
    public string? CurrentDigest => Volatile.Read(ref _currentDigest);

    /// <summary>How many change signals (events and poll ticks) arrived; for tests and status.</summary>
    public long Signals => Interlocked.Read(ref _signalCount);

    /// <summary>Called (on the changing thread) when the poll's period changes, with the new one; a known point for tests.</summary>
    public Action<TimeSpan>? PollIntervalChanged { get; init; }

    /// <summary>Why file-system events are not used (then the poll is the fast one), or null while they are.</summary>
    public string? WatchFailure => Volatile.Read(ref _watchFailure);

    /// <summary>The poll's current period: the safety poll, or the fallback while events fail or the refs cannot be read.</summary>
    public TimeSpan PollInterval
    {
        get
        {
            lock (_pollGate)
            {
                return _pollInterval;
            }
        }
    }

    /// <summary>Starts watching, publishes the initial digest, then follows changes.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("already started");
        }

        cancellationToken.ThrowIfCancellationRequested();
        _stop = new CancellationTokenSource();
        _pollInterval = _options.RefPollInterval;
        _poll = _timeProvider.CreateTimer(static s => ((RefWatcher)s!).Signal(GitDirChange.All), this, _pollInterval, _pollInterval);
        // Watching before the first read: a change in between is an event, not a wait for the safety poll.
        if (_watch.Start(Signal, WatchFailed) is { } reason)
        {
            WatchFailed(reason);
        }

        Recompute(force: true);
        if (_lastError is not null)
        {
            UpdatePoll(); // the first read failed: look often until the repository is back
        }

        _loop = RunAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync()
    {
        _watch.Dispose();
        ITimer? poll;
        lock (_pollGate)
        {
            (poll, _poll) = (_poll, null);
        }

        if (poll is not null)
        {
            await poll.DisposeAsync();
        }

        if (_stop is not null)
        {
            await _stop.CancelAsync();
        }

        if (_loop is not null)
        {
            await _loop;
            _loop = null;
        }

        _stop?.Dispose();
        _stop = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>Asks for a recomputation now (also used by tests and after our own ref-changing operations).</summary>
    public void Signal() => Signal(GitDirChange.Refs);

    private void Signal(GitDirChange change)
    {
        Interlocked.Increment(ref _signalCount);
        int seen, next;
        do
        {
            seen = Volatile.Read(ref _pending);
            next = seen | (int)change;
        }
        while (Interlocked.CompareExchange(ref _pending, next, seen) != seen);

        _signals.Writer.TryWrite(true);
    }

    /// <summary>Events stopped working (or never did): poll often from now on, and say why once.</summary>
    private void WatchFailed(string reason)
    {
        if (Interlocked.CompareExchange(ref _watchFailure, reason, null) is null)
        {
            LogWatchFailed(_logger, _gitDir, reason, _options.RefFallbackPollInterval.TotalSeconds);
            UpdatePoll();
        }
    }

    /// <summary>The safety poll while events work and the refs can be read; the fallback poll otherwise.</summary>
    private void UpdatePoll()
    {
        TimeSpan interval;
        lock (_pollGate)
        {
            interval = WatchFailure is null && _lastError is null ? _options.RefPollInterval : _options.RefFallbackPollInterval;
            if (_poll is null || interval == _pollInterval)
            {
                return;
            }

            _pollInterval = interval;
            _poll.Change(interval, interval);
        }

        LogPolling(_logger, _gitDir, interval.TotalSeconds);
        PollIntervalChanged?.Invoke(interval);
    }

    private static string CommonDir(string gitDir)
    {
        // A linked worktree keeps HEAD in its own git dir and the refs in the common one.
        var file = Path.Combine(gitDir, "commondir");
        if (File.Exists(file))
        {
            var relative = File.ReadAllText(file).Trim();
            if (relative.Length > 0)
            {
                return Path.GetFullPath(Path.Combine(gitDir, relative));
            }
        }

        return gitDir;
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await _signals.Reader.WaitToReadAsync(cancellationToken))
            {
                if (_options.RefDebounce > TimeSpan.Zero)
                {
                    await Task.Delay(_options.RefDebounce, _timeProvider, cancellationToken);
                }

                while (_signals.Reader.TryRead(out _))
                {
                }

                var change = (GitDirChange)Interlocked.Exchange(ref _pending, 0);
                if (change.HasFlag(GitDirChange.Refs))
                {
                    var failing = _lastError is not null;
                    Recompute(force: false);
                    if (failing != (_lastError is not null))
                    {
                        UpdatePoll();
                    }
                }

                if (change.HasFlag(GitDirChange.Config))
                {
                    ConfigChanged();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void Recompute(bool force)
    {
        string digest;
        var started = _timeProvider.GetTimestamp();
        try
        {
            digest = RefsDigest.Compute(_gitDir);
        }
        catch (Exception e)
        {
            // The repository moved, was deleted, or a ref file is half-written: say it once, keep watching.
            if (_lastError != e.Message)
            {
                _lastError = e.Message;
                LogDigestFailed(_logger, _gitDir, e.Message);
            }

            return;
        }

        if (_lastError is not null)
        {
            _lastError = null;
            LogReadableAgain(_logger, _gitDir);
        }

        try
        {
            _onRead?.Invoke(started);
        }
        catch (Exception e)
        {
            LogCallbackFailed(_logger, e);
        }

        if (!force && digest == _currentDigest)
        {
            return;
        }

        Volatile.Write(ref _currentDigest, digest);
        _publisher.PublishLocalRefs(_repoId, digest);
        LogPublished(_logger, digest);
        try
        {
            _onChanged?.Invoke(digest);
        }
        catch (Exception e)
        {
            LogCallbackFailed(_logger, e);
        }
    }

    private void ConfigChanged()
    {
        try
        {
            _onConfigChanged?.Invoke();
        }
        catch (Exception e)
        {
            LogCallbackFailed(_logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "local refs changed; published digest {Digest}")]
    private static partial void LogPublished(ILogger logger, string digest);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot watch {GitDir} for changes ({Reason}); looking every {Seconds} s instead")]
    private static partial void LogWatchFailed(ILogger logger, string gitDir, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{GitDir}: looking every {Seconds} s without an event")]
    private static partial void LogPolling(ILogger logger, string gitDir, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "the refs of {GitDir} can be read again")]
    private static partial void LogReadableAgain(ILogger logger, string gitDir);

    [LoggerMessage(Level = LogLevel.Error, Message = "cannot read the refs of {GitDir}: {Reason}")]
    private static partial void LogDigestFailed(ILogger logger, string gitDir, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "refs change handler failed")]
    private static partial void LogCallbackFailed(ILogger logger, Exception exception);
}
