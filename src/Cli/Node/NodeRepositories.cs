using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using PeerMesh.Cli.Home;
using PeerMesh.Cli.Web;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Wire;
using PeerMesh.Sync;
using PeerMesh.Sync.Fetching;
using PeerMesh.Sync.LocalRepo;
using PeerMesh.Sync.Serving;
using PeerMesh.Sync.SignedRefs;

namespace PeerMesh.Cli.Node;

/// <summary>
/// The repositories a node serves, changed while it runs (<c>up PATH</c>, <c>down PATH</c>): for each one a name on
/// the git daemon and a Sync of its own, all on the node's one mesh and one daemon. A change is checked first and
/// applied to the daemon, then the mesh, then Sync; if a step refuses, the steps before are undone, so a refused
/// repository changes nothing else about the node (exit 2 at the CLI). The list is saved in the home after each change.
/// </summary>
internal sealed partial class NodeRepositories : IAsyncDisposable
{
    private readonly NodeHome _home;
    private readonly SyncOptions _syncOptions;
    private readonly GitDaemonSupervisor _daemon;
    private readonly MeshNode _mesh;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<NodeRepositories> _logger;
    private readonly Action _fetchEnded;
#pragma warning disable CA2213 // a SemaphoreSlim without AvailableWaitHandle holds nothing to free; see DisposeAsync
    private readonly SemaphoreSlim _gate = new(1, 1);
#pragma warning restore CA2213
    private volatile ImmutableList<ServedRepo> _repos = [];
    private bool _disposed;

    /// <param name="fetchEnded">Told after each fetch of any repository (the node trims the C heap after a run of them).</param>
    public NodeRepositories(NodeHome home, SyncOptions syncOptions, GitDaemonSupervisor daemon, MeshNode mesh, TimeProvider time, ILoggerFactory loggers, Action fetchEnded)
    {
        _fetchEnded = fetchEnded;
        _home = home;
        _syncOptions = syncOptions;
        _daemon = daemon;
        _mesh = mesh;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<NodeRepositories>();
    }

    /// <summary>Who signs the node's statements in every repository it serves (null: signed refs off, as before).</summary>
    public SignedRefsAuthor? Author { get; init; }

    /// <summary>Called after each change with what the node now announces (the composition root tells mDNS).</summary>
    public Action<IReadOnlyList<RepoAnnouncement>>? Changed { get; set; }

    /// <summary>What is served now, in the order added.</summary>
    public IReadOnlyList<ServedRepo> Current => _repos;

    /// <summary>What the mesh and mDNS announce for the current list.</summary>
    public IReadOnlyList<RepoAnnouncement> Announcements => Announce(_repos.Select(r => (r.Entry, r.Repo)));

    /// <summary>The served repository whose work tree or git directory is <paramref name="path"/>, if any.</summary>
    public ServedRepo? Find(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        return _repos.FirstOrDefault(r => r.Entry.Path == full || r.Entry.GitDirectory == full || r.Repo.GitDirectory == full);
    }

    /// <summary>
    /// The served repository <paramref name="path"/> is in (its work tree, git directory, or any folder inside them), by
    /// git's own discovery: the clients send a folder as it is and leave finding its repository to the node, which has
    /// libgit2 loaded already.
    /// </summary>
    public ServedRepo? FindContaining(string path)
    {
        if (Find(path) is { } served)
        {
            return served;
        }

        var full = Path.GetFullPath(path);
        return Directory.Exists(full) && LibGit2Sharp.Repository.Discover(full) is { } gitDirectory ? Find(gitDirectory) : null;
    }

    /// <summary>
    /// Serves <paramref name="repo"/> (as <paramref name="savedName"/> when the home remembers one); returns it and
    /// whether it was added (false: already served).
    /// </summary>
    /// <exception cref="CliException">The project is served from another path, or the daemon or mesh refuse it (exit 2).</exception>
    public async Task<(ServedRepo Repo, bool Added)> AddAsync(LocalRepository repo, string? savedName, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var gitDirectory = NodeRepository.CommonGitDirectory(repo.GitDirectory);
            if (_repos.FirstOrDefault(r => r.Entry.GitDirectory == gitDirectory && r.Entry.Path == repo.WorkingDirectory) is { } served)
            {
                return (served, false);
            }

            if (_repos.FirstOrDefault(r => r.Entry.RepoId == repo.RepoId || r.Entry.GitDirectory == gitDirectory) is { } same)
            {
                throw new CliException($"{repo.WorkingDirectory} is the same project as {same.Entry.Path}, which this node serves already as '{same.Entry.Name}'", ExitCodes.Usage);
            }

            var taken = _repos.Select(r => r.Entry.Name).ToList();
            var name = savedName is not null && ServedName.IsValid(savedName) && !taken.Contains(savedName, ServedName.Comparer)
                ? savedName
                : ServedName.Choose(repo.WorkingDirectory, taken);
            var entry = new ServedEntry(name, repo.WorkingDirectory, gitDirectory, repo.RepoId);
            var before = _repos;
            var after = before.Select(r => (Entry: r.Entry, Repo: r.Repo)).Append((Entry: entry, Repo: repo)).ToList();

            await ServeAsync(after.Select(r => r.Entry), cancellationToken);
            try
            {
                _mesh.SetLocalRepos(Announce(after));
            }
            catch (ArgumentException e)
            {
                await ServeAsync(before.Select(r => r.Entry), CancellationToken.None);
                throw new CliException($"cannot serve {repo.WorkingDirectory}: {e.Message}", ExitCodes.Usage);
            }

            ServedRepo added;
            try
            {
                added = await StartSyncAsync(entry, repo, cancellationToken);
            }
            catch
            {
                _mesh.SetLocalRepos(Announce(before.Select(r => (r.Entry, r.Repo))));
                await ServeAsync(before.Select(r => r.Entry), CancellationToken.None);
                throw;
            }

            _repos = before.Add(added);
            SaveAndTell();
            LogAdded(name, repo.WorkingDirectory, (long)_time.GetElapsedTime(started).TotalMilliseconds);
            return (added, true);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops serving the repository at <paramref name="path"/> (its managed remotes and fetched refs stay); false if it was not served.</summary>
    public async Task<bool> RemoveAsync(string path, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_disposed || Find(path) is not { } removed)
            {
                return false;
            }

            var after = _repos.Remove(removed);
            // The daemon first: a clone of it is refused from the next connection on, whatever happens next.
            await ServeAsync(after.Select(r => r.Entry), cancellationToken);
            _mesh.SetLocalRepos(Announce(after.Select(r => (r.Entry, r.Repo))));
            _repos = after;
            await removed.Sync.DisposeAsync();
            SaveAndTell();
            LogRemoved(removed.Entry.Name, removed.Entry.Path);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _disposed = true;
            foreach (var repo in _repos)
            {
                await repo.Sync.DisposeAsync();
            }
        }
        finally
        {
            _gate.Release();
        }

        // Not disposed: a late add or remove may still wait on it and then finds the repositories disposed.
    }

    private static List<RepoAnnouncement> Announce(IEnumerable<(ServedEntry Entry, LocalRepository Repo)> repos) =>
        [.. repos.Select(r => new RepoAnnouncement(r.Entry.RepoId, WireValidation.ToDisplayName(r.Repo.Name), ServedName.UrlPath(r.Entry.Name), "", 0))];

    /// <summary>
    /// Hands the daemon the whole set. A repository whose git directory is gone (moved or deleted while served, case
    /// 35) is left out: nothing of it can be served, and the daemon refuses a set naming it; its Sync keeps running
    /// and status names the error.
    /// </summary>
    private async Task ServeAsync(IEnumerable<ServedEntry> entries, CancellationToken cancellationToken)
    {
        var set = entries.Where(e => ServedList.IsGitDirectory(e.GitDirectory)).ToDictionary(e => e.Name, e => e.GitDirectory, ServedName.Comparer);
        try
        {
            await _daemon.SetServedAsync(set, cancellationToken);
        }
        catch (ServeException e)
        {
            throw new CliException(e.Message, ExitCodes.Usage);
        }
    }

    private async Task<ServedRepo> StartSyncAsync(ServedEntry entry, LocalRepository repo, CancellationToken cancellationToken)
    {
        SyncService sync;
        try
        {
            // Owned by the ServedRepo returned below (disposed when the repository is removed or the node stops), and
            // disposed here when its start fails: the analyzer does not follow the ownership into the record.
#pragma warning disable CA2000
            sync = new SyncService(
                _syncOptions,
                repo.GitDirectory,
                repo.RepoId,
                _mesh,
                _mesh,
                _time,
                _loggers,
                e =>
                {
                    if (e.Kind == FetchSchedulerEventKind.FetchCompleted)
                    {
                        _fetchEnded();
                    }
                },
                Author,
                ServedRefs.FileFor(_home.Directory, repo.GitDirectory));
#pragma warning restore CA2000
        }
        catch (FormatException e)
        {
            // An invalid peermesh.trust in this repository's config.
            throw new CliException($"cannot serve {repo.WorkingDirectory}: {e.Message}", ExitCodes.Usage);
        }

        try
        {
            await sync.StartAsync(cancellationToken);
        }
        catch
        {
            await sync.DisposeAsync();
            throw;
        }

        return new ServedRepo(entry, repo, sync, new RecentPeerCommits(_mesh, sync, repo.GitDirectory, repo.Name));
    }

    private void SaveAndTell()
    {
        try
        {
            ServedReposFile.Write(_home, [.. _repos.Select(r => r.Entry)]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogNotSaved(_home.ServedFile, e.Message);
        }

        Changed?.Invoke(Announcements);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "serving {Path} as '{Name}' (added in {Milliseconds} ms)")]
    private partial void LogAdded(string name, string path, long milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "no longer serving {Path} ('{Name}'); its remotes and fetched refs stay")]
    private partial void LogRemoved(string name, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not save the served list in {File}: {Reason}")]
    private partial void LogNotSaved(string file, string reason);
}
