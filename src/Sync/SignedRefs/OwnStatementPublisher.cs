using System.Collections.Immutable;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.SignedRefs;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace PeerMesh.Sync.SignedRefs;

/// <summary>
/// Signs this node's statement of its own branches whenever they move, stores it (<see cref="StatementStore"/>) and
/// publishes its (digest, sequence) as the repository's refs version, so the gossiped version and the statement's
/// sequence are one number. Sits between the ref watcher and the mesh (it is the watcher's publisher), so the watcher
/// itself does not change. <see cref="Resign"/> signs again with the same branches: the node's holdings of other
/// authors' statements changed, and its peers must see a new refs version to fetch them from it at once. Calls are
/// serialised; each opens its own <see cref="Repository"/>.
/// </summary>
internal sealed partial class OwnStatementPublisher : ILocalRepoPublisher
{
    private readonly string _gitDir;
    private readonly string _repoId;
    private readonly SignedRefsAuthor _author;
    private readonly ILocalRepoPublisher _mesh;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private long _announced;
    private long _heardBack;
    private RefsStatement? _current;
    private ImmutableArray<OmittedBranch> _omitted = [];

    public OwnStatementPublisher(string gitDir, string repoId, SignedRefsAuthor author, ILocalRepoPublisher mesh, TimeProvider time, ILogger<OwnStatementPublisher> logger)
    {
        _gitDir = gitDir;
        _repoId = repoId;
        _author = author;
        _mesh = mesh;
        _time = time;
        _logger = logger;
    }

    /// <summary>The statement last signed and stored, or null before the first.</summary>
    public RefsStatement? Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Own branches left out of the last statement (a cap, an invalid name), each with its reason.</summary>
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
                var branches = OwnBranches.ByPriority(repo);
                var built = StatementBuilder.Build(_author.Identity, _author.Name, _repoId, branches, previous, _time);
                StatementStore.Store(repo, _repoId, built.Statement, "peermesh: own statement");
                var announced = _mesh.PublishLocalRefs(_repoId, built.Statement.Digest, built.Statement.Sequence);
                if (announced > built.Statement.Sequence)
                {
                    // The mesh announced a higher version before (a previous life heard back): sign above it.
                    built = StatementBuilder.Build(_author.Identity, _author.Name, _repoId, branches, announced, _time);
                    StatementStore.Store(repo, _repoId, built.Statement, "peermesh: own statement");
                    announced = _mesh.PublishLocalRefs(_repoId, built.Statement.Digest, built.Statement.Sequence);
                }

                _announced = Math.Max(_announced, announced);
                _current = built.Statement;
                if (built.Omitted.Length > 0 && built.Omitted.Length != _omitted.Length)
                {
                    LogOmitted(_logger, built.Omitted.Length, string.Join(", ", built.Omitted.Take(5).Select(o => $"{o.Name} ({o.Reason})")));
                }

                _omitted = built.Omitted;
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "signed own statement {Sequence} ({Branches} branches; {Why})")]
    private static partial void LogSigned(ILogger logger, long sequence, int branches, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} branches not shared: {Examples}")]
    private static partial void LogOmitted(ILogger logger, int count, string examples);

    [LoggerMessage(Level = LogLevel.Error, Message = "cannot sign the branches of {GitDir}: {Reason}")]
    private static partial void LogSignFailed(ILogger logger, string gitDir, string reason);
}
