using System.Collections.Immutable;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Text;
using PeerMesh.Sync.Fetching;
using PeerMesh.Mesh.SignedRefs;
using PeerMesh.Sync.Remotes;
using PeerMesh.Sync.SignedRefs;
using PeerMesh.Sync.Status;
using PeerMesh.Sync.Trust;
using PeerMesh.Sync.Watching;

namespace PeerMesh.Sync;

/// <summary>
/// Sync for one local repository: watches its refs and publishes changes through the mesh, keeps a managed remote
/// per peer serving the same repo, fetches them (fast path, joins, backstop, on request) and reports status.
/// The entry point the <c>up</c> host wires: construct, <see cref="StartAsync"/>, <see cref="StopAsync"/>.
/// </summary>
internal sealed class SyncService : IAsyncDisposable
{
    private readonly ManagedRemotes _remotes;
    private readonly RefWatcher _watcher;
    private readonly FetchScheduler _scheduler;
    private readonly FetchPipelines _pipelines;
    private readonly SyncOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly OwnStatementPublisher? _own;
    private readonly StatementIntake? _intake;
    private int _state; // 0 new, 1 started, 2 stopped

    /// <param name="options">Validated here.</param>
    /// <param name="repository">The work tree or the git dir of the local repository.</param>
    /// <param name="repoId">The repository's id (root commit or configured override), as announced.</param>
    /// <param name="membership">The mesh's membership table.</param>
    /// <param name="publisher">Where local refs changes go.</param>
    /// <param name="timeProvider">All timers, delays and Polly.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="observe">The fetch scheduler's known points (tests wait for them); called under its lock.</param>
    /// <param name="author">
    /// Signed refs (docs/ARCHITECTURE.md, "Signed refs and relaying"): the node signs its own branches whenever they move
    /// and publishes the statement's (digest, sequence) as its refs version, and takes its peers' and relayed authors'
    /// work only from verified statements. Null: neither (the refs digest is published as before, fetches write the
    /// peer's branches as advertised).
    /// </param>
    /// <param name="servedRefsFile">
    /// Where the node's git daemon reads which branches of this repository it serves (<see cref="Serving.ServedRefs.FileFor"/>),
    /// written at each signing; null: not written (with no file the daemon serves no branch of it). Used with
    /// <paramref name="author"/> only.
    /// </param>
    /// <exception cref="FormatException"><c>peermesh.trust</c> holds an invalid value (one-line message naming it).</exception>
    public SyncService(
        SyncOptions options,
        string repository,
        string repoId,
        IMembershipView membership,
        ILocalRepoPublisher publisher,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        Action<FetchSchedulerEvent>? observe = null,
        SignedRefsAuthor? author = null,
        string? servedRefsFile = null)
    {
        options.Validate();
        _options = options;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<SyncService>();
        GitDir = Repository.Discover(repository)
            ?? throw new RepositoryNotFoundException($"no git repository at {repository}");
        RepoId = repoId;
        _remotes = new ManagedRemotes(GitDir, repoId, timeProvider, loggerFactory.CreateLogger<ManagedRemotes>(), options.MaxManagedRemotes);
        _pipelines = new FetchPipelines(options, timeProvider, loggerFactory.CreateLogger<FetchPipelines>());
        var trust = TrustConfig.ForRepository(GitDir, loggerFactory.CreateLogger<TrustConfig>());
        Func<string, string, bool>? holdsNothingNew = null;
        if (author is not null)
        {
            var ledger = new StatementLedger(timeProvider);
            _own = new OwnStatementPublisher(
                GitDir, repoId, author, publisher, timeProvider, loggerFactory.CreateLogger<OwnStatementPublisher>(), servedRefsFile, () => ledger.All(repoId));
            var own = _own;
            holdsNothingNew = (peerId, announced) => HoldingsDigest.Matches(announced, ledger.Current(peerId, repoId), own.Current, ledger.All(repoId));
            _intake = new StatementIntake(
                GitDir,
                repoId,
                author.Identity.Id,
                ledger,
                (id, name) => _remotes.EnsureForAuthor(id, name, _scheduler!.Trust),
                () => _scheduler!.Trust,
                timeProvider,
                loggerFactory.CreateLogger<StatementIntake>())
            {
                OwnHeard = _own.HeardBack,
                HoldingsChanged = _own.Resign,
            };
        }

        var fetcher = new PeerFetcher(GitDir, options, timeProvider, loggerFactory.CreateLogger<PeerFetcher>(), _intake);
        _scheduler = new FetchScheduler(
            options,
            repoId,
            membership,
            _remotes,
            fetcher,
            new Divergence(GitDir),
            _pipelines,
            timeProvider,
            loggerFactory.CreateLogger<FetchScheduler>(),
            trust,
            observe,
            holdsNothingNew: holdsNothingNew);
        _watcher = new RefWatcher(
            GitDir,
            repoId,
            _own ?? publisher,
            options,
            timeProvider,
            loggerFactory.CreateLogger<RefWatcher>(),
            _ => _scheduler.LocalBranchesMoved(),
            _scheduler.LocalRepositoryRead,
            ConfigChanged);
    }

    private void ConfigChanged()
    {
        _scheduler.ConfigChanged();
        _own?.ConfigChanged();
    }

    /// <summary>The repository's git dir (where <c>refs/</c> and <c>config</c> are).</summary>
    public string GitDir { get; }

    public string RepoId { get; }

    /// <summary>The <c>peermesh.trust</c> list in force (read again when the config changes).</summary>
    public TrustList Trust => _scheduler.Trust;

    /// <summary>The digest of the local branches last published.</summary>
    public string? LocalRefsDigest => _watcher.CurrentDigest;

    /// <summary>Publishes the initial refs digest, starts watching, loads existing managed remotes and follows the mesh.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("SyncService can be started once");
        }

        RemoveLocksLeftByACrash();
        RestoreStatements();
        await _watcher.StartAsync(cancellationToken);
        await _scheduler.StartAsync(cancellationToken);
    }

    /// <summary>Stops watching and fetching; waits for running fetches to end (bounded by the watchdog).</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) == 2)
        {
            return;
        }

        await _watcher.StopAsync();
        await _scheduler.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _watcher.DisposeAsync();
        await _scheduler.DisposeAsync();
        _pipelines.Dispose();
    }

    /// <summary><c>peermesh fetch [NAME]</c>: fetch one managed remote, or every online peer, and wait.</summary>
    public Task<ImmutableArray<FetchReport>> FetchNowAsync(string? remoteName, CancellationToken cancellationToken) =>
        _scheduler.FetchNowAsync(remoteName, cancellationToken);

    /// <summary>
    /// <c>peermesh forget NAME</c>: removes a managed remote and its tracking refs, and that node's signed work: its
    /// statement in the ledger and its <c>refs/peermesh/ID/</c> (so it neither comes back from the stored statement
    /// nor is relayed on); refuses the user's own remotes. A peer still online gets its remote back at its next
    /// announcement, and its work with its next statement.
    /// </summary>
    public ForgetResult Forget(string remoteName)
    {
        var result = _remotes.Forget(remoteName, out var nodeId);
        if (result == ForgetResult.Removed)
        {
            _scheduler.Remove(remoteName);
            if (_intake is not null && nodeId is not null)
            {
                try
                {
                    using var repo = new Repository(GitDir);
                    if (_intake.Forget(repo, nodeId) > 0)
                    {
                        _own?.Resign(); // what we hold changed: peers see a new version (and no longer the author's work)
                    }
                }
                catch (Exception e) when (e is LibGit2SharpException or IOException or UnauthorizedAccessException)
                {
                    _logger.LogWarning("could not remove the signed work of {Remote}: {Reason}", remoteName, e.Message);
                }
            }
        }

        return result;
    }

    /// <summary>
    /// No fetch of ours runs before start, so a ref lock under a managed remote's tracking refs is from a node
    /// killed mid-fetch (or, within milliseconds, the user's own <c>git fetch</c> of that remote: spared by age).
    /// </summary>
    private void RemoveLocksLeftByACrash()
    {
        try
        {
            foreach (var remote in _remotes.List())
            {
                if (RemoteNames.IsSafe(remote.Name))
                {
                    var removed = StaleLocks.Remove(GitDir, remote.Name, _options.StartupStaleLockAge, _timeProvider.GetUtcNow());
                    if (removed > 0)
                    {
                        _logger.LogInformation("removed {Locks} left under refs/remotes/{Remote} by a previous run", Plural.Count(removed, "lock file", "lock files"), remote.Name);
                    }
                }
            }
        }
        catch (Exception e) when (e is LibGit2SharpException or IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("could not look for stale locks: {Reason}", e.Message);
        }
    }

    /// <summary>An immutable picture for <c>status</c>.</summary>
    public SyncStatus GetStatus() => _scheduler.GetStatus(_watcher.CurrentDigest) with { RemoteCap = _remotes.Cap, SignedRefs = SignedRefsStatus() };

    private SignedRefsStatus? SignedRefsStatus()
    {
        if (_own is null || _intake is null)
        {
            return null;
        }

        var statistics = _intake.Statistics;
        return new SignedRefsStatus(
            _own.Current is { } own
                ? new OwnStatementStatus(own.Sequence, own.SignedAt, own.Branches.Length, _own.Omitted)
                {
                    Shared = [.. own.Branches.Select(b => b.Name)],
                    SharePatterns = [.. _own.Share?.Patterns ?? []],
                }
                : null,
            _intake.Authors,
            _intake.Conflicts,
            statistics.Accepted,
            statistics.Rejections);
    }

    /// <summary>What was accepted before a restart is the floor after it (HOSTILE 53 across restarts).</summary>
    private void RestoreStatements()
    {
        if (_intake is null)
        {
            return;
        }

        try
        {
            using var repo = new Repository(GitDir);
            _intake.Restore(repo);
        }
        catch (Exception e) when (e is LibGit2SharpException or IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("could not read the stored signed refs statements: {Reason}", e.Message);
        }
    }
}
