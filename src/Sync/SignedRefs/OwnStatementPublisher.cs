using System.Collections.Immutable;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.SignedRefs;
using PeerMesh.Sync.LocalRepo;
using PeerMesh.Sync.Serving;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace PeerMesh.Sync.SignedRefs;

/// <summary>
/// Signs this node's statement of its own branches whenever they move, stores it (<see cref="StatementStore"/>) and
/// publishes the statement's sequence as the repository's refs version, so the gossiped version and the statement's
/// sequence are one number, with the digest of what the node holds (<see cref="HoldingsDigest"/>): a peer that holds
/// the same has nothing to fetch. Sits between the ref watcher and the mesh (it is the watcher's publisher), so the watcher
/// itself does not change. <see cref="Resign"/> signs again with the same branches: the node's holdings of other
/// authors' statements changed, and its peers must see a new refs version to fetch them from it at once. Calls are
/// serialised; each opens its own <see cref="Repository"/>.
/// <para>
/// Only the branches <c>peermesh.share</c> shares are signed (<see cref="SharePatterns"/>), and the statement's branches
/// are exactly what the node's git daemon serves of this repository: each signing writes its branches file
/// (<see cref="ServedRefs.WriteBranches"/>) before the new version is published, so a peer that fetches at the news
/// finds them served.
/// </para>
/// </summary>
internal sealed partial class OwnStatementPublisher : ILocalRepoPublisher
{
    private readonly string _gitDir;
    private readonly string _repoId;
    private readonly SignedRefsAuthor _author;
    private readonly ILocalRepoPublisher _mesh;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string? _servedRefsFile;
    private readonly Func<IEnumerable<RefsStatement>> _held;
    private readonly Lock _gate = new();
    private SharePatterns? _share;
    private long _announced;
    private long _heardBack;
    private volatile RefsStatement? _current;
    private ImmutableArray<OmittedBranch> _omitted = [];

    /// <param name="servedRefsFile">The repository's branches file for the daemon (<see cref="ServedRefs.FileFor"/>); null: none written.</param>
    /// <param name="held">Other authors' statements the node holds, for the published digest; null: none.</param>
    public OwnStatementPublisher(
        string gitDir,
        string repoId,
        SignedRefsAuthor author,
        ILocalRepoPublisher mesh,
        TimeProvider time,
        ILogger<OwnStatementPublisher> logger,
        string? servedRefsFile = null,
        Func<IEnumerable<RefsStatement>>? held = null)
    {
        _servedRefsFile = servedRefsFile;
        _held = held ?? (() => []);
        _gitDir = gitDir;
        _repoId = repoId;
        _author = author;
        _mesh = mesh;
        _time = time;
        _logger = logger;
    }

    /// <summary>The statement last signed and stored, or null before the first (read without the signing lock).</summary>
    public RefsStatement? Current => _current;

    /// <summary>The <c>peermesh.share</c> patterns of the last signing (null before the first).</summary>
    public SharePatterns? Share
    {
        get
        {
            lock (_gate)
            {
                return _share;
            }
        }
    }

    /// <summary>Own branches left out of the last statement (not shared, a cap, an invalid name), each with its reason.</summary>
    public ImmutableArray<OmittedBranch> Omitted
    {
        get
        {
            lock (_gate)
            {
                return _omitted;
            }
        }
    }

    /// <summary>The ref watcher saw the branches move: sign, store, publish.</summary>
    public void PublishLocalRefs(string repoId, string refsDigest)
    {
        if (!Sign("branches moved"))
        {
            // Signing failed (said in the log): peers still learn that something moved, and fetch as before.
            _mesh.PublishLocalRefs(repoId, refsDigest);
        }
    }

    long ILocalRepoPublisher.PublishLocalRefs(string repoId, string refsDigest, long refsVersion) =>
        _mesh.PublishLocalRefs(repoId, refsDigest, refsVersion);

    /// <summary>Signs again with the branches as they are: what this node holds of others changed.</summary>
    public void Resign() => Sign("holdings changed");

    /// <summary>
    /// The repository's config may have changed (the watcher cannot tell what): signs again when <c>peermesh.share</c>
    /// did, so a branch taken out of it stops being served at once, not at the next commit.
    /// </summary>
    public void ConfigChanged()
    {
        SharePatterns now;
        try
        {
            now = SharePatterns.Parse(PeerMeshConfig.Read(_gitDir).GetAll("share"));
        }
        catch (Exception e) when (e is LibGit2SharpException or IOException or UnauthorizedAccessException)
        {
            return; // being rewritten, or away: the next change or poll looks again
        }

        if (!now.Equals(Share))
        {
            Sign("peermesh.share changed");
        }
    }

    /// <summary>
    /// A statement of ours heard back from a peer (a previous life's, or a restored backup's): the next one is signed
    /// above it, so receivers that accepted it do not refuse ours as older.
    /// </summary>
    public void HeardBack(long sequence)
    {
        lock (_gate)
        {
            _heardBack = Math.Max(_heardBack, sequence);
        }
    }

    private bool Sign(string why)
    {
        lock (_gate)
        {
            try
            {
                using var repo = new Repository(_gitDir);
                var stored = StatementStore.Read(repo, _author.Identity.Id).Statement;
                var previous = Math.Max(Math.Max(stored?.Sequence ?? 0, _announced), _heardBack);
                var share = SharePatterns.Parse(PeerMeshConfig.Of(repo).GetAll("share"));
                var own = OwnBranches.ByPriority(repo);
                var branches = own.Where(b => share.Shares(b.Name)).ToList();
                var kept = own.Where(b => !share.Shares(b.Name)).Select(b => new OmittedBranch(b.Name, OmittedBranch.NotShared));
                var built = StatementBuilder.Build(_author.Identity, _author.Name, _repoId, branches, previous, _time);
                StatementStore.Store(repo, _repoId, built.Statement, "peermesh: own statement");
                WriteServed(repo, built.Statement);
                var holdings = HoldingsDigest.Of(_author.Identity.Id, built.Statement.Branches, _held());
                var announced = _mesh.PublishLocalRefs(_repoId, holdings, built.Statement.Sequence);
                if (announced > built.Statement.Sequence)
                {
                    // The mesh announced a higher version before (a previous life heard back): sign above it.
                    built = StatementBuilder.Build(_author.Identity, _author.Name, _repoId, branches, announced, _time);
                    StatementStore.Store(repo, _repoId, built.Statement, "peermesh: own statement");
                    announced = _mesh.PublishLocalRefs(_repoId, holdings, built.Statement.Sequence);
                }

                _announced = Math.Max(_announced, announced);
                _current = built.Statement;
                _share = share;
                if (built.Omitted.Length > 0 && built.Omitted.Length != _omitted.Length - _omitted.Count(o => o.Reason == OmittedBranch.NotShared))
                {
                    LogOmitted(_logger, built.Omitted.Length, string.Join(", ", built.Omitted.Take(5).Select(o => $"{o.Name} ({o.Reason})")));
                }

                _omitted = [.. kept, .. built.Omitted];
                LogSigned(_logger, built.Statement.Sequence, built.Statement.Branches.Length, why);
                return true;
            }
            catch (Exception e) when (e is LibGit2SharpException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                LogSignFailed(_logger, _gitDir, e.Message);
                return false;
            }
        }
    }

    /// <summary>The daemon serves exactly the statement's branches, and HEAD when the checked-out branch is one of them.</summary>
    private void WriteServed(Repository repo, RefsStatement statement)
    {
        if (_servedRefsFile is null)
        {
            return;
        }

        var head = repo.Info.IsHeadUnborn || repo.Info.IsHeadDetached ? null : repo.Refs.Head?.TargetIdentifier;
        var names = statement.Branches.Select(b => b.Name).ToList();
        ServedRefs.WriteBranches(_servedRefsFile, names, names.Any(n => "refs/heads/" + n == head));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "signed own statement {Sequence} ({Branches} branches; {Why})")]
    private static partial void LogSigned(ILogger logger, long sequence, int branches, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} branches not shared: {Examples}")]
    private static partial void LogOmitted(ILogger logger, int count, string examples);

    [LoggerMessage(Level = LogLevel.Error, Message = "cannot sign the branches of {GitDir}: {Reason}")]
    private static partial void LogSignFailed(ILogger logger, string gitDir, string reason);
}
