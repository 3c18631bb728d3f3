using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Sync.Watching;

/// <summary>
/// Watches the local refs (loose refs, packed-refs, HEAD) and publishes a new refs digest through the mesh as soon
/// as a branch moves: file system events, debounced by a few milliseconds because git writes a lock file and renames
/// it, with a slow poll as the fallback for lost events. Owns one loop task.
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
    private readonly Channel<bool> _signals = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite, // one pending signal is enough: the loop recomputes everything
        SingleReader = true,
    });

    private readonly List<FileSystemWatcher> _watchers = [];
    private CancellationTokenSource? _stop;
    private ITimer? _poll;
    private Task? _loop;
    private string? _currentDigest;
    private string? _lastError;
    private long _signalCount;

    // onChanged runs on the watcher's loop after each published change (a signal: it must return at once);
    // onRead after every successful read of the refs, with the timestamp (TimeProvider.GetTimestamp) at which the
    // read began, so a scheduler that saw the repository missing knows it is back even if this watcher never saw
    // it gone (a poll can fall entirely outside the time it was away).
    public RefWatcher(
        string gitDir,
        string repoId,
        ILocalRepoPublisher publisher,
        SyncOptions options,
        TimeProvider timeProvider,
        ILogger<RefWatcher> logger,
        Action<string>? onChanged = null,
        Action<long>? onRead = null)
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
    }

    /// <summary>The last digest computed (and published), null before start.</summary>
    public string? CurrentDigest => Volatile.Read(ref _currentDigest);

    /// <summary>How many change signals (events and poll ticks) arrived; for tests and status.</summary>
    public long Signals => Interlocked.Read(ref _signalCount);

    /// <summary>Publishes the initial digest, then starts watching.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("already started");
        }

        cancellationToken.ThrowIfCancellationRequested();
        Recompute(force: true);
        _stop = new CancellationTokenSource();
        AddWatcher(Path.Combine(_commonDir, "refs"), recursive: true, filter: null);
        AddWatcher(_commonDir, recursive: false, filter: name => name is "packed-refs");
        AddWatcher(_gitDir, recursive: false, filter: name => name is "HEAD" or "packed-refs");
        _poll = _timeProvider.CreateTimer(_ => Signal(), null, _options.RefPollInterval, _options.RefPollInterval);
        _loop = RunAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync()
    {
        foreach (var watcher in _watchers)
        {
            watcher.EnableRaisingEvents = false;
            watcher.Dispose();
        }

        _watchers.Clear();
        if (_poll is not null)
        {
            await _poll.DisposeAsync();
            _poll = null;
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
    public void Signal()
    {
        Interlocked.Increment(ref _signalCount);
        _signals.Writer.TryWrite(true);
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

    private void AddWatcher(string directory, bool recursive, Func<string, bool>? filter)
    {
        if (!Directory.Exists(directory) || _watchers.Any(w => w.Path == directory && w.IncludeSubdirectories == recursive))
        {
            return;
        }

        try
        {
            var watcher = new FileSystemWatcher(directory)
            {
                IncludeSubdirectories = recursive,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                InternalBufferSize = 64 * 1024,
            };
            FileSystemEventHandler onEvent = (_, e) =>
            {
                if (filter is null || filter(Path.GetFileName(e.FullPath)))
                {
                    Signal();
                }
            };
            watcher.Created += onEvent;
            watcher.Changed += onEvent;
            watcher.Deleted += onEvent;
            watcher.Renamed += (_, e) =>
            {
                if (filter is null || filter(Path.GetFileName(e.FullPath)) || filter(Path.GetFileName(e.OldFullPath)))
                {
                    Signal();
                }
            };
            watcher.Error += (_, _) => Signal(); // overflow: events were lost, so look
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException)
        {
            // Out of inotify watches and the like: the poll still finds changes, only later.
            LogWatchFailed(_logger, directory, e.Message);
        }
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

                Recompute(force: false);
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "local refs changed; published digest {Digest}")]
    private static partial void LogPublished(ILogger logger, string digest);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot watch {Directory} ({Reason}); changes are found by polling only")]
    private static partial void LogWatchFailed(ILogger logger, string directory, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "the refs of {GitDir} can be read again")]
    private static partial void LogReadableAgain(ILogger logger, string gitDir);

    [LoggerMessage(Level = LogLevel.Error, Message = "cannot read the refs of {GitDir}: {Reason}")]
    private static partial void LogDigestFailed(ILogger logger, string gitDir, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "refs change handler failed")]
    private static partial void LogCallbackFailed(ILogger logger, Exception exception);
}
