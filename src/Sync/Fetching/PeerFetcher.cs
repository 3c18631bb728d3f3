using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;
using PeerMesh.Sync.Remotes;
using PeerMesh.Sync.SignedRefs;
using PeerMesh.Sync.Status;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// One fetch of one managed remote, on its own thread (libgit2 is synchronous): the pack through libgit2 on an
/// anonymous remote made from the managed remote's URL (<see cref="LibGit2Fetch"/>), then the refs by
/// <see cref="TrackingRefs"/>: only <c>refs/remotes/&lt;remote&gt;/*</c>, whatever the config says; tags off, no prune,
/// FETCH_HEAD never touched (HOSTILE 48, 50). A watchdog (no bytes for <see cref="SyncOptions.WatchdogTimeout"/>), a size cap and cancellation
/// abort it both through libgit2's callbacks and by closing the socket of our git:// transport, which ends a read
/// blocked on a silent peer. Failures come out as <see cref="FetchFailedException"/> with plain words.
/// </summary>
internal sealed partial class PeerFetcher : IPeerFetcher
{
    private const int MaxErrorLength = 200;

    /// <summary>New commits counted per updated branch, at most (the count is for a log line).</summary>
    private const int NewCommitsCap = 10_000;

    private readonly string _gitDir;
    private readonly SyncOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, FetchProgress> _running = new(StringComparer.Ordinal);
    private readonly StatementIntake? _intake;

    /// <param name="intake">
    /// Signed refs: when given, a fetch also downloads the peer's <c>refs/peermesh/*</c> (of trusted authors only, see
    /// <see cref="StatementIntake.Refspecs"/>) and the intake writes every
    /// author's refs from verified statements; a peer that signs nothing is written as before.
    /// </param>
    public PeerFetcher(string gitDir, SyncOptions options, TimeProvider timeProvider, ILogger<PeerFetcher> logger, StatementIntake? intake = null)
    {
        _intake = intake;
        _gitDir = gitDir;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        GitProtocolSubtransport.EnsureRegistered();
    }

    /// <summary>
    /// Fetches <paramref name="remoteName"/> from the URL in its config (what <c>peermesh</c> tools and tests use; the
    /// scheduler passes the address it knows, see <see cref="FetchAsync(string, string?, CancellationToken)"/>).
    /// </summary>
    public Task<FetchOutcome> FetchAsync(string remoteName, CancellationToken cancellationToken) =>
        FetchAsync(remoteName, null, cancellationToken);

    /// <summary>
    /// Fetches <paramref name="remoteName"/> from <paramref name="url"/> (null: the URL in the remote's config). The
    /// remote must still be a managed one. Cancellation, the watchdog and the size cap close the connection at once
    /// (the git:// transport is <see cref="GitProtocolSubtransport"/>), so the fetch ends within a poll interval.
    /// </summary>
    public Task<FetchOutcome> FetchAsync(string remoteName, string? url, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // LongRunning: a dedicated thread for libgit2's synchronous fetch, never a pool thread.
        return Task.Factory.StartNew(
            () => Fetch(remoteName, url, cancellationToken),
            CancellationToken.None,
            TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default);
    }

    /// <inheritdoc />
    public FetchTransferStatus? Transfer(string remoteName) =>
        _running.TryGetValue(remoteName, out var progress) ? progress.Snapshot() : null;

    private FetchOutcome Fetch(string remoteName, string? givenUrl, CancellationToken cancellationToken)
    {
        if (!RemoteNames.IsSafe(remoteName))
        {
            throw new FetchFailedException(FetchErrorKind.NotManaged, "not a managed remote");
        }

        var removed = StaleLocks.Remove(_gitDir, remoteName, _options.StaleLockAge, _timeProvider.GetUtcNow());
        if (removed > 0)
        {
            LogStaleLocks(_logger, removed == 1 ? "1 stale lock file" : removed.ToString(CultureInfo.InvariantCulture) + " stale lock files", remoteName);
        }

        // The URL is the one the scheduler knows the peer at now, or else the managed remote's config value, taken raw
        // (no insteadOf); checked either way. Nothing else of the remote's config is used: the fetch is anonymous,
        // with our refspec (HOSTILE 48).
        string url;
        string holderId;
        using (var config = OpenRepository())
        {
            // The repository's own config only, as ManagedRemotes reads it: a marker elsewhere makes nothing ours.
            var nodeId = config.Config.Get<string>($"remote.{remoteName}.{ManagedRemotes.NodeKey}", ConfigurationLevel.Local)?.Value;
            var candidate = givenUrl ?? config.Config.Get<string>($"remote.{remoteName}.url", ConfigurationLevel.Local)?.Value;
            if (string.IsNullOrEmpty(nodeId) || !RemoteUrl.TryParse(candidate, out _, out _))
            {
                throw new FetchFailedException(FetchErrorKind.NotManaged, "not a managed remote with a git:// URL");
            }

            url = candidate!;
            holderId = nodeId;
        }

        using var progress = new FetchProgress(
            _timeProvider, _options.MaxPackBytes, _options.MaxTrackingRefs, $"refs/remotes/{remoteName}/", cancellationToken);
        var context = new GitTransportContext(progress, _options.ConnectTimeout, _options.WatchdogTimeout, _timeProvider, cancellationToken);
        var tick = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(20).Ticks, _options.WatchdogTimeout.Ticks / 5));
        using var watchdog = _timeProvider.CreateTimer(_ => progress.CheckStalled(_options.WatchdogTimeout), null, tick, tick);
        using var progressLog = _timeProvider.CreateTimer(
            _ => LogTransfer(remoteName, progress.Snapshot()), null, _options.ProgressLogInterval, _options.ProgressLogInterval);
        try
        {
            // One fetch per remote at a time (the scheduler's rule), so the name is the key.
            _running[remoteName] = progress;
            IReadOnlyList<(string Name, ObjectId Id)> advertised;
            using (context.Enter())
            {
                advertised = _intake is null
                    ? LibGit2Fetch.Download(_gitDir, url, ManagedRemotes.RefspecFor(remoteName), progress)
                    : LibGit2Fetch.Download(_gitDir, url, [ManagedRemotes.RefspecFor(remoteName), .. _intake.Refspecs()], progress);
            }

            progress.TransferDone();

            // Opened once the pack is in, so it sees the new objects.
            using var repo = OpenRepository();
            var signed = _intake?.Take(repo, remoteName, holderId, advertised, cancellationToken);
            if (signed is not { HolderBySignature: true })
            {
                TrackingRefs.Write(repo, remoteName, advertised, progress, "peermesh: fetch " + remoteName);
            }

            return Outcome(repo, remoteName, progress, signed);
        }
        catch (RepositoryNotFoundException e)
        {
            throw new FetchFailedException(FetchErrorKind.LocalRepository, "local repository not found: " + _gitDir, e);
        }
        catch (Exception e) when (e is LibGit2SharpException)
        {
            throw Classify(e, progress, context.Failure, cancellationToken);
        }
        finally
        {
            _running.TryRemove(new KeyValuePair<string, FetchProgress>(remoteName, progress));
        }
    }

    private FetchOutcome Outcome(Repository repo, string remoteName, FetchProgress progress, IntakeResult? signed)
    {
        var updated = ImmutableArray.CreateBuilder<string>();
        var rewritten = ImmutableArray.CreateBuilder<string>();
        var prefix = $"refs/remotes/{remoteName}/";
        foreach (var (name, oldId, newId) in progress.Updates.Concat(signed?.Updates ?? []))
        {
            if (newId == ObjectId.Zero)
            {
                // Pruned: the author's newest statement no longer names it.
                updated.Add(name);
                continue;
            }

            updated.Add(name);
            var count = NewCommits(repo, oldId, newId);
            if (count > 0)
            {
                // Said only when something arrived: a join with nothing new is not news.
                LogNewCommits(_logger, CommitCount(count), name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name, remoteName);
            }

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
        var filter = new CommitFilter { IncludeReachableFrom = newId };
        filter.ExcludeReachableFrom = oldId is not null && oldId != ObjectId.Zero
            ? oldId
            : repo.Refs.Where(r => r.CanonicalName.StartsWith("refs/heads/", StringComparison.Ordinal)).ToList();
        try
        {
            return repo.Commits.QueryBy(filter).Take(NewCommitsCap).Count();
        }
        catch (LibGit2SharpException)
        {
            return 0;
        }
    }

    /// <summary>"1 new commit", "3 new commits", "10000+ new commits" (the count is capped).</summary>
    public static string CommitCount(int count) => count switch
    {
        1 => "1 new commit",
        >= NewCommitsCap => NewCommitsCap.ToString(CultureInfo.InvariantCulture) + "+ new commits",
        _ => count.ToString(CultureInfo.InvariantCulture) + " new commits",
    };

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

    [LoggerMessage(Level = LogLevel.Information, Message = "fetching from {Remote}: {Objects}, {Bytes}, {Rate}/s")]
    private static partial void LogFetchProgress(ILogger logger, string remote, string objects, string bytes, string rate);

    [LoggerMessage(Level = LogLevel.Information, Message = "removed {Locks} under refs/remotes/{Remote}")]
    private static partial void LogStaleLocks(ILogger logger, string locks, string remote);

    [LoggerMessage(Level = LogLevel.Warning, Message = "peer rewrote history: {Ref} moved from {Old} to {New}, which does not contain it")]
    private static partial void LogRewritten(ILogger logger, string @ref, string old, string @new);

    [LoggerMessage(Level = LogLevel.Information, Message = "fetched {Commits} on {Branch} from {Remote}")]
    private static partial void LogNewCommits(ILogger logger, string commits, string branch, string remote);
}
