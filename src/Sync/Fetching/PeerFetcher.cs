using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;
using PeerMesh.Sync.Remotes;
using PeerMesh.Sync.Status;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// One fetch of one managed remote with LibGit2Sharp: its own <see cref="Repository"/> on its own thread (the call
/// is synchronous), tags off, no prune, only <c>refs/remotes/&lt;remote&gt;/*</c> written (our refspec, and a guard on
/// every ref update). A watchdog (no bytes for <see cref="SyncOptions.WatchdogTimeout"/>), a size cap and cancellation
/// abort it both through libgit2's callbacks and by closing the socket of our git:// transport, which ends a read
/// blocked on a silent peer. Failures come out as <see cref="FetchFailedException"/> with plain words.
/// </summary>
internal sealed partial class PeerFetcher : IPeerFetcher
{
    private const int MaxErrorLength = 200;

    private readonly string _gitDir;
    private readonly SyncOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, FetchProgress> _running = new(StringComparer.Ordinal);

    public PeerFetcher(string gitDir, SyncOptions options, TimeProvider timeProvider, ILogger<PeerFetcher> logger)
    {
        _gitDir = gitDir;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        GitProtocolSubtransport.EnsureRegistered();
    }

    /// <summary>
    /// Fetches <paramref name="remoteName"/>. Cancellation, the watchdog and the size cap close the connection at
    /// once (the git:// transport is <see cref="GitProtocolSubtransport"/>), so the fetch ends within a poll interval.
    /// </summary>
    public Task<FetchOutcome> FetchAsync(string remoteName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // LongRunning: a dedicated thread for libgit2's synchronous fetch, never a pool thread.
        return Task.Factory.StartNew(
            () => Fetch(remoteName, cancellationToken),
            CancellationToken.None,
            TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default);
    }

    /// <inheritdoc />
    public FetchTransferStatus? Transfer(string remoteName) =>
        _running.TryGetValue(remoteName, out var progress) ? progress.Snapshot() : null;

    private FetchOutcome Fetch(string remoteName, CancellationToken cancellationToken)
    {
        if (!RemoteNames.IsSafe(remoteName))
        {
            throw new FetchFailedException(FetchErrorKind.NotManaged, "not a managed remote");
        }

        var removed = StaleLocks.Remove(_gitDir, remoteName, _options.StaleLockAge, _timeProvider.GetUtcNow());
        if (removed > 0)
        {
            LogStaleLocks(_logger, removed, remoteName);
        }

        using var repo = OpenRepository();
        var remote = repo.Network.Remotes[remoteName];
        var nodeId = repo.Config.Get<string>($"remote.{remoteName}.{ManagedRemotes.NodeKey}")?.Value;
        if (remote is null || string.IsNullOrEmpty(nodeId) || !RemoteUrl.TryParse(remote.Url, out _, out _))
        {
            throw new FetchFailedException(FetchErrorKind.NotManaged, "not a managed remote with a git:// URL");
        }

        using var progress = new FetchProgress(
            _timeProvider, _options.MaxPackBytes, _options.MaxTrackingRefs, $"refs/remotes/{remoteName}/", cancellationToken);
        var context = new GitTransportContext(progress, _options.ConnectTimeout, _options.WatchdogTimeout, _timeProvider, cancellationToken);
        var tick = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(20).Ticks, _options.WatchdogTimeout.Ticks / 5));
        using var watchdog = _timeProvider.CreateTimer(_ => progress.CheckStalled(_options.WatchdogTimeout), null, tick, tick);
        using var progressLog = _timeProvider.CreateTimer(
            _ => LogTransfer(remoteName, progress.Snapshot()), null, _options.ProgressLogInterval, _options.ProgressLogInterval);
        var options = new FetchOptions
        {
            TagFetchMode = TagFetchMode.None,
            Prune = false,
            OnTransferProgress = progress.OnTransferProgress,
            OnProgress = progress.OnSidebandProgress,
            OnUpdateTips = progress.OnUpdateTips,
        };

        var fetchHead = Path.Combine(repo.Info.Path, "FETCH_HEAD");
        var savedFetchHead = File.Exists(fetchHead) ? File.ReadAllBytes(fetchHead) : null;
        try
        {
            // One fetch per remote at a time (the scheduler's rule), so the name is the key.
            _running[remoteName] = progress;
            using (context.Enter())
            {
                // Our refspec, not the config's: only refs/remotes/<remote>/* is ever a destination.
                Commands.Fetch(repo, remoteName, [ManagedRemotes.RefspecFor(remoteName)], options, "peermesh: fetch " + remoteName);
            }
        }
        catch (Exception e) when (e is LibGit2SharpException)
        {
            throw Classify(e, progress, context.Failure, cancellationToken);
        }
        finally
        {
            _running.TryRemove(new KeyValuePair<string, FetchProgress>(remoteName, progress));

            // libgit2 always writes FETCH_HEAD; put back the user's, which belongs to their last `git fetch`.
            RestoreFetchHead(fetchHead, savedFetchHead);
        }

        var updated = ImmutableArray.CreateBuilder<string>();
        var rewritten = ImmutableArray.CreateBuilder<string>();
        var prefix = $"refs/remotes/{remoteName}/";
        foreach (var (name, oldId, newId) in progress.Updates)
        {
            updated.Add(name);
            LogNewCommits(_logger, NewCommits(repo, oldId, newId), name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name, remoteName);
            if (oldId is not null && oldId != ObjectId.Zero && !IsFastForward(repo, oldId, newId))
            {
                rewritten.Add(name);
                LogRewritten(_logger, name, oldId.Sha, newId.Sha);
            }
        }

        return new FetchOutcome(updated.ToImmutable(), rewritten.ToImmutable(), progress.ReceivedBytes);
    }

    private Repository OpenRepository()
    {
        try
        {
            return new Repository(_gitDir);
        }
        catch (RepositoryNotFoundException e)
        {
            throw new FetchFailedException(FetchErrorKind.LocalRepository, "local repository not found: " + _gitDir, e);
        }
    }

    /// <summary>Commits the update brought that the old tip (or, for a new branch, no local branch) had; capped.</summary>
    private static int NewCommits(Repository repo, ObjectId? oldId, ObjectId newId)
    {
        const int Cap = 10_000;
        var filter = new CommitFilter { IncludeReachableFrom = newId };
        filter.ExcludeReachableFrom = oldId is not null && oldId != ObjectId.Zero
            ? oldId
            : repo.Refs.Where(r => r.CanonicalName.StartsWith("refs/heads/", StringComparison.Ordinal)).ToList();
        try
        {
            return repo.Commits.QueryBy(filter).Take(Cap).Count();
        }
        catch (LibGit2SharpException)
        {
            return 0;
        }
    }

    private static bool IsFastForward(Repository repo, ObjectId oldId, ObjectId newId)
    {
        if (repo.Lookup<Commit>(oldId) is not { } oldCommit || repo.Lookup<Commit>(newId) is not { } newCommit)
        {
            return false;
        }

        return repo.ObjectDatabase.FindMergeBase(oldCommit, newCommit)?.Id == oldId;
    }

    private Exception Classify(Exception e, FetchProgress progress, FetchFailedException? transportFailure, CancellationToken cancellationToken)
    {
        switch (progress.AbortReason)
        {
            case FetchAbortReason.NoProgress:
                return new FetchFailedException(FetchErrorKind.NoAnswer, $"no answer for {Seconds(_options.WatchdogTimeout)}", e);
            case FetchAbortReason.PackTooLarge:
                return new FetchFailedException(
                    FetchErrorKind.PackTooLarge,
                    $"pack larger than the cap of {_options.MaxPackBytes / (1024 * 1024)} MiB",
                    e);
            case FetchAbortReason.TooManyRefs:
                return new FetchFailedException(FetchErrorKind.BadAnswer, $"peer has more than {_options.MaxTrackingRefs} branches; stopped there", e);
            case FetchAbortReason.ForeignRef:
                return new FetchFailedException(FetchErrorKind.ForeignRefUpdate, "fetch tried to write outside its tracking refs; stopped", e);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException("fetch cancelled", e, cancellationToken);
        }

        if (transportFailure is not null)
        {
            return new FetchFailedException(transportFailure.Kind, transportFailure.Message, e);
        }

        if (e is LockedFileException)
        {
            return new FetchFailedException(FetchErrorKind.LockContention, "a ref is locked by another git command", e);
        }

        var message = e.Message;

        // ENOSPC / EDQUOT while writing the pack, index or refs: ours, whatever the peer sent.
        if (Contains(message, "no space left on device") || Contains(message, "disk quota exceeded"))
        {
            return new FetchFailedException(FetchErrorKind.LocalStorage, "disk full: " + Plain(message), e);
        }

        if (Contains(message, "refused"))
        {
            return new FetchFailedException(FetchErrorKind.ConnectionRefused, "connection refused", e);
        }

        if (Contains(message, "timed out") || Contains(message, "timeout"))
        {
            return Contains(message, "connect")
                ? new FetchFailedException(FetchErrorKind.NoAnswer, $"no answer to connect for {Seconds(_options.ConnectTimeout)}", e)
                : new FetchFailedException(FetchErrorKind.NoAnswer, $"no answer for {Seconds(_options.WatchdogTimeout)}", e);
        }

        if (Contains(message, "unreachable") || Contains(message, "reset by peer") || Contains(message, "broken pipe")
            || Contains(message, "failed to connect") || Contains(message, "could not connect") || Contains(message, "early eof")
            || Contains(message, "failed to send") || Contains(message, "failed to receive") || Contains(message, "no route"))
        {
            return new FetchFailedException(FetchErrorKind.NetworkError, "network error: " + Plain(message), e);
        }

        if (Contains(message, "lock"))
        {
            return new FetchFailedException(FetchErrorKind.LockContention, "a ref is locked by another git command", e);
        }

        return new FetchFailedException(FetchErrorKind.BadAnswer, Plain(message), e);
    }

    private void LogTransfer(string remote, FetchTransferStatus transfer)
    {
        var objects = transfer.TotalObjects > 0
            ? $"{transfer.ReceivedObjects.ToString(CultureInfo.InvariantCulture)}/{transfer.TotalObjects.ToString(CultureInfo.InvariantCulture)} objects"
            : "waiting for the pack";
        LogFetchProgress(_logger, remote, objects, FormatBytes(transfer.ReceivedBytes), FormatBytes((long)transfer.BytesPerSecond));
    }

    /// <summary>1023 B, 3.4 KiB, 12.0 MiB, 1.2 GiB.</summary>
    public static string FormatBytes(long bytes) => bytes switch
    {
        < 1024 => bytes.ToString(CultureInfo.InvariantCulture) + " B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " KiB",
        < 1024L * 1024 * 1024 => (bytes / (1024.0 * 1024)).ToString("F1", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes / (1024.0 * 1024 * 1024)).ToString("F1", CultureInfo.InvariantCulture) + " GiB",
    };

    private static bool Contains(string text, string part) => text.Contains(part, StringComparison.OrdinalIgnoreCase);

    private static string Seconds(TimeSpan span) =>
        span.TotalSeconds >= 1 && span.TotalSeconds == Math.Floor(span.TotalSeconds)
            ? span.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s"
            : span.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + " ms";

    /// <summary>libgit2's message can carry the peer's own error text: one line, printable, capped.</summary>
    private static string Plain(string message)
    {
        var builder = new StringBuilder(Math.Min(message.Length, MaxErrorLength));
        foreach (var c in message)
        {
            if (builder.Length >= MaxErrorLength)
            {
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString().Trim();
    }

    private void RestoreFetchHead(string path, byte[]? saved)
    {
        try
        {
            if (saved is null)
            {
                File.Delete(path);
                return;
            }

            var temporary = path + ".peermesh.tmp";
            File.WriteAllBytes(temporary, saved);
            File.Move(temporary, path, overwrite: true);
        }
        catch (IOException e)
        {
            LogFetchHead(_logger, e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            LogFetchHead(_logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "libgit2 socket timeouts not set ({Problem}); a silent peer is bounded by the fetch deadline only")]
    private static partial void LogNoSocketTimeouts(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetching from {Remote}: {Objects}, {Bytes}, {Rate}/s")]
    private static partial void LogFetchProgress(ILogger logger, string remote, string objects, string bytes, string rate);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} stale lock file(s) under refs/remotes/{Remote}")]
    private static partial void LogStaleLocks(ILogger logger, int count, string remote);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peer rewrote history: {Ref} moved from {Old} to {New}, which does not contain it")]
    private static partial void LogRewritten(ILogger logger, string @ref, string old, string @new);

    [LoggerMessage(Level = LogLevel.Information, Message = "fetched {Count} new commit(s) on {Branch} from {Remote}")]
    private static partial void LogNewCommits(ILogger logger, int count, string branch, string remote);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not restore FETCH_HEAD: {Reason}")]
    private static partial void LogFetchHead(ILogger logger, string reason);
}
