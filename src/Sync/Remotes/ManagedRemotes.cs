using System.Collections.Immutable;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using PeerMesh.Mesh.Membership;
using PeerMesh.Sync.Status;
using PeerMesh.Sync.Trust;

namespace PeerMesh.Sync.Remotes;

/// <summary>
/// Keeps one git remote per live peer that serves our repository, up to <see cref="SyncOptions.MaxManagedRemotes"/>,
/// and never touches a remote it did not make (a managed remote carries <c>remote.NAME.peermeshNode = NODE ID</c>).
/// A managed remote is written in one locked config write and is invisible to <c>git fetch --all</c>,
/// <c>git remote update</c> and maintenance's prefetch (<c>skipFetchAll</c>); it never takes a name the user's git
/// gives a meaning to (<c>origin</c>, <c>upstream</c>, the push default). A peer that goes away keeps its remote and
/// refs; only <see cref="Forget(string)"/> removes one. Calls are serialised; each opens its own <see cref="Repository"/>.
/// </summary>
internal sealed partial class ManagedRemotes : IManagedRemotes
{
    public const string NodeKey = "peermeshNode";

    /// <summary>An address seen again within this time after we moved away from it is a flip-flop, not a move.</summary>
    public static readonly TimeSpan FlipWindow = TimeSpan.FromSeconds(60);

    /// <summary>Remote names a peer never gets, even where no such remote exists (HOSTILE 49): the user's git means its own by them.</summary>
    public static readonly ImmutableArray<string> ConventionalNames = ["origin", "upstream"];

    /// <summary>Config keys naming a remote the user's git uses by default; their values are never a peer's remote name.</summary>
    public static readonly ImmutableArray<string> DefaultRemoteKeys = ["remote.pushDefault", "checkout.defaultRemote", "clone.defaultRemoteName"];

    private const string MarkerSuffix = "." + NodeKeyLower;
    private const string NodeKeyLower = "peermeshnode";

    private static readonly ConfigurationLevel[] s_levels =
        [ConfigurationLevel.Local, ConfigurationLevel.Worktree, ConfigurationLevel.Global, ConfigurationLevel.Xdg, ConfigurationLevel.System, ConfigurationLevel.ProgramData];

    private readonly string _gitDir;
    private readonly string _repoId;
    private readonly int _maxRemotes;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, UrlHistory> _history = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _conflicts = new(StringComparer.Ordinal);
    private RemoteCapStatus _cap;

    public ManagedRemotes(string gitDir, string repoId, TimeProvider timeProvider, ILogger<ManagedRemotes> logger, int maxRemotes = SyncOptions.DefaultMaxManagedRemotes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRemotes, 1);
        _gitDir = gitDir;
        _repoId = repoId;
        _maxRemotes = maxRemotes;
        _timeProvider = timeProvider;
        _logger = logger;
        _cap = new RemoteCapStatus(maxRemotes, 0, 0);
    }

    public static string RefspecFor(string remoteName) => $"+refs/heads/*:refs/remotes/{remoteName}/*";

    /// <summary>The cap as the last <see cref="Reconcile"/> left it.</summary>
    public RemoteCapStatus Cap
    {
        get
        {
            lock (_gate)
            {
                return _cap;
            }
        }
    }

    /// <summary>
    /// Ensures a managed remote for every live member serving our repo with a usable URL, following address and
    /// port changes, while there are fewer than the cap (members already managed keep theirs; pinned members always
    /// get one). A member left out by <paramref name="trust"/> gets no remote, and an existing remote of one keeps
    /// its URL and refs (nothing is deleted; the scheduler does not fetch it). Every managed remote, online or not,
    /// is put back in shape (refspec, tagOpt, skipFetchAll), so an edit by hand or a remote made by an older version
    /// is repaired here. Returns every managed remote afterwards, including those of peers that are gone or no
    /// longer trusted.
    /// </summary>
    public ImmutableArray<ManagedRemote> Reconcile(MembershipSnapshot snapshot, TrustList? trust = null)
    {
        trust ??= TrustList.Everyone;
        lock (_gate)
        {
            using var repo = new Repository(_gitDir);
            var managed = ReadManaged(repo);
            var added = new List<(Member Member, string Url)>();
            foreach (var (member, url) in Desired(snapshot, trust))
            {
                var existing = managed.FirstOrDefault(m => m.NodeId == member.Id);
                if (existing is null)
                {
                    added.Add((member, url));
                    continue;
                }

                if (existing.Url != url && AcceptMove(member.Id, existing.Url, url))
                {
                    SetUrl(repo, existing.Name, url);
                    LogMoved(_logger, existing.Name, existing.Url ?? "(none)", url);
                    managed = managed.Replace(existing, existing with { Url = url });
                }
            }

            foreach (var remote in managed)
            {
                EnsureShape(repo, remote.Name);
            }

            var refused = 0;
            HashSet<string>? reserved = null;
            foreach (var (member, url) in added.OrderBy(a => Preference(a.Member)).ThenBy(a => a.Member.Id, StringComparer.Ordinal))
            {
                // Pinned ids are the user's own list, bounded by their config; everyone else only while under the cap.
                if (managed.Length >= _maxRemotes && !trust.IsPinned)
                {
                    refused++;
                    continue;
                }

                reserved ??= ReservedNames(repo);
                var name = RemoteNames.Choose(member.Name, member.Id, n => reserved.Contains(n) || IsTaken(repo, n));
                if (name is null)
                {
                    continue;
                }

                Create(repo, name, member.Id, url);
                _history[member.Id] = new UrlHistory(url, null, _timeProvider.GetTimestamp());
                LogAdded(_logger, name, member.Id, url);
                managed = managed.Add(new ManagedRemote(name, member.Id, url));
            }

            if (refused > 0 && !_cap.Reached)
            {
                LogCapReached(_logger, refused, _maxRemotes);
            }

            _cap = new RemoteCapStatus(_maxRemotes, managed.Length, refused);
            return managed;
        }
    }

    /// <summary>
    /// The managed remote of an author whose signed work arrived through another node (the author may never have been
    /// seen), made now when it has none: named from the author's signed display name as for a member, with our marker,
    /// refspec, <c>tagOpt</c> and <c>skipFetchAll</c> and no URL (one locked config write). When the author is seen live,
    /// <see cref="Reconcile"/> gives it its URL. Null at the cap (unless pinned) or when no name is free.
    /// </summary>
    public string? EnsureForAuthor(string nodeId, string signedName, TrustList? trust = null)
    {
        trust ??= TrustList.Everyone;
        lock (_gate)
        {
            using var repo = new Repository(_gitDir);
            var managed = ReadManaged(repo);
            if (managed.FirstOrDefault(m => m.NodeId == nodeId) is { } existing)
            {
                return existing.Name;
            }

            if (managed.Length >= _maxRemotes && !trust.IsPinned)
            {
                return null;
            }

            var reserved = ReservedNames(repo);
            var name = RemoteNames.Choose(signedName, nodeId, n => reserved.Contains(n) || IsTaken(repo, n));
            if (name is null)
            {
                return null;
            }

            Create(repo, name, nodeId, url: null);
            LogAddedForAuthor(_logger, name, nodeId);
            return name;
        }
    }

    /// <summary>Every managed remote in the repository's config.</summary>
    public ImmutableArray<ManagedRemote> List()
    {
        lock (_gate)
        {
            using var repo = new Repository(_gitDir);
            return ReadManaged(repo);
        }
    }

    /// <summary>True while a node id is seen flipping between two addresses (two nodes claiming one id).</summary>
    public bool HasConflict(string nodeId)
    {
        lock (_gate)
        {
            return _conflicts.TryGetValue(nodeId, out var at) && _timeProvider.GetElapsedTime(at) < FlipWindow;
        }
    }

    /// <summary>Removes a managed remote and its tracking refs; refuses a remote the user made.</summary>
    public ForgetResult Forget(string name) => Forget(name, out _);

    /// <summary>As <see cref="Forget(string)"/>, saying whose remote it was (the node id, when removed).</summary>
    public ForgetResult Forget(string name, out string? forgottenNodeId)
    {
        forgottenNodeId = null;
        lock (_gate)
        {
            using var repo = new Repository(_gitDir);
            if (!RemoteNames.IsSafe(name))
            {
                return ForgetResult.NotFound;
            }

            var nodeId = Local(repo, $"remote.{name}.{NodeKey}");
            if (string.IsNullOrEmpty(nodeId))
            {
                return repo.Network.Remotes[name] is null ? ForgetResult.NotFound : ForgetResult.NotManaged;
            }

            if (repo.Network.Remotes[name] is not null)
            {
                repo.Network.Remotes.Remove(name);
            }
            else
            {
                // A section without a URL (made half by hand): libgit2 does not see a remote there, so unset our keys.
                repo.Config.WithinTransaction(() =>
                {
                    foreach (var key in new[] { "url", "fetch", "tagOpt", "skipFetchAll", NodeKey })
                    {
                        repo.Config.UnsetAll($"remote.{name}.{key}", ConfigurationLevel.Local);
                    }
                });
            }

            var prefix = $"refs/remotes/{name}/";
            foreach (var reference in repo.Refs.Where(r => r.CanonicalName.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            {
                repo.Refs.Remove(reference);
            }

            _history.Remove(nodeId);
            _conflicts.Remove(nodeId);
            forgottenNodeId = nodeId;
            LogForgotten(_logger, name, nodeId);
            return ForgetResult.Removed;
        }
    }

    /// <summary>
    /// Every section of the repository's own config that carries our marker, whatever else it has or lacks (a
    /// section from a crash or an edit, even one without a URL, is still ours and is completed by
    /// <see cref="Reconcile"/>). A marker in another scope (global, system) makes nothing ours.
    /// </summary>
    private static ImmutableArray<ManagedRemote> ReadManaged(Repository repo)
    {
        var byName = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in repo.Config.Find(@"^remote\..*\." + NodeKeyLower + "$", ConfigurationLevel.Local))
        {
            var name = entry.Key["remote.".Length..^MarkerSuffix.Length];
            if (RemoteNames.IsSafe(name) && !string.IsNullOrEmpty(entry.Value))
            {
                byName[name] = entry.Value;
            }
        }

        return [.. byName.Select(p => new ManagedRemote(p.Key, p.Value, Local(repo, $"remote.{p.Key}.url")))];
    }

    /// <summary>
    /// The whole section in one locked config write (one rename of <c>config.lock</c> over <c>config</c>): a crash
    /// leaves either no remote or a complete managed one, never a remote without its marker that would then look
    /// like the user's forever.
    /// </summary>
    /// <param name="url">Null for an author known only through a relay: completed by <see cref="Reconcile"/> once it is seen.</param>
    private static void Create(Repository repo, string name, string nodeId, string? url) =>
        repo.Config.WithinTransaction(() =>
        {
            repo.Config.Set($"remote.{name}.{NodeKey}", nodeId, ConfigurationLevel.Local);
            if (url is not null)
            {
                repo.Config.Set($"remote.{name}.url", url, ConfigurationLevel.Local);
            }

            repo.Config.Set($"remote.{name}.fetch", RefspecFor(name), ConfigurationLevel.Local);
            repo.Config.Set($"remote.{name}.tagOpt", "--no-tags", ConfigurationLevel.Local);
            repo.Config.Set($"remote.{name}.skipFetchAll", true, ConfigurationLevel.Local);
        });

    private static void SetUrl(Repository repo, string name, string url) =>
        repo.Config.Set($"remote.{name}.url", url, ConfigurationLevel.Local);

    /// <summary>
    /// A managed remote is ours: a refspec or tag option edited by hand is put back, and a remote made before
    /// <c>skipFetchAll</c> (or left half-made) is completed; one config write, and only when something differs.
    /// </summary>
    private static void EnsureShape(Repository repo, string name)
    {
        var refspec = RefspecFor(name);
        var fetch = repo.Config.Find($@"^remote\.{name}\.fetch$", ConfigurationLevel.Local).Select(e => e.Value).ToList();
        var refspecOk = fetch.Count == 1 && fetch[0] == refspec;
        var tagsOk = Local(repo, $"remote.{name}.tagOpt") == "--no-tags";
        var skipOk = IsTrue(Local(repo, $"remote.{name}.skipFetchAll"));
        if (refspecOk && tagsOk && skipOk)
        {
            return;
        }

        repo.Config.WithinTransaction(() =>
        {
            if (!refspecOk)
            {
                repo.Config.UnsetAll($"remote.{name}.fetch", ConfigurationLevel.Local);
                repo.Config.Set($"remote.{name}.fetch", refspec, ConfigurationLevel.Local);
            }

            if (!tagsOk)
            {
                repo.Config.Set($"remote.{name}.tagOpt", "--no-tags", ConfigurationLevel.Local);
            }

            if (!skipOk)
            {
                repo.Config.Set($"remote.{name}.skipFetchAll", true, ConfigurationLevel.Local);
            }
        });
    }

    /// <summary>git's spelling of true; anything else (including a value git would reject) is rewritten.</summary>
    private static bool IsTrue(string? value) =>
        value?.Trim().ToLowerInvariant() is "true" or "yes" or "on" or "1";

    private static string? Local(Repository repo, string key) => repo.Config.Get<string>(key, ConfigurationLevel.Local)?.Value;

    /// <summary>origin, upstream and the remotes the user's git defaults to, in any config scope (HOSTILE 49).</summary>
    private static HashSet<string> ReservedNames(Repository repo)
    {
        var names = new HashSet<string>(ConventionalNames, StringComparer.OrdinalIgnoreCase);
        foreach (var key in DefaultRemoteKeys)
        {
            foreach (var level in s_levels)
            {
                if (repo.Config.Get<string>(key, level)?.Value is { Length: > 0 } value)
                {
                    names.Add(value.Trim());
                }
            }
        }

        return names;
    }

    private static bool IsTaken(Repository repo, string name)
    {
        // Case-insensitive: refs/remotes/Alice and refs/remotes/alice are one directory on macOS. Any section of
        // that name counts, with or without a URL (git itself refuses to add a remote there).
        var section = $"remote.{name}.";
        if (repo.Config.Any(e => e.Key.StartsWith(section, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        // Leftover tracking refs of a remote the user deleted by hand are not ours to overwrite.
        var prefix = $"refs/remotes/{name}/";
        return repo.Refs.Any(r => r.CanonicalName.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Who gets a remote first when not all can: nodes the user named as seeds, then nodes on the LAN, then the rest.</summary>
    private static int Preference(Member member) =>
        member.FoundBy.HasFlag(DiscoverySource.Seed) ? 0
        : member.FoundBy.HasFlag(DiscoverySource.Mdns) ? 1
        : 2;

    private IEnumerable<(Member Member, string Url)> Desired(MembershipSnapshot snapshot, TrustList trust)
    {
        var byId = new Dictionary<string, (Member Member, string Url)>(StringComparer.Ordinal);
        foreach (var member in snapshot.Members)
        {
            // An untrusted node's address never gets into the config, not even as an update of its old remote.
            if (!member.IsLive || !trust.IsTrusted(member.Id) || member.FindRepo(_repoId) is not { } repo)
            {
                continue;
            }

            var url = RemoteUrl.TryBuild(member.GossipEndPoint.Address, member.GitPort, repo.Path);
            if (url is null)
            {
                continue;
            }

            if (byId.TryGetValue(member.Id, out var other))
            {
                // Two entries for one id: keep a deterministic one, so the URL does not alternate, and say so.
                _conflicts[member.Id] = _timeProvider.GetTimestamp();
                if (member.Incarnation < other.Member.Incarnation
                    || (member.Incarnation == other.Member.Incarnation && string.CompareOrdinal(url, other.Url) >= 0))
                {
                    continue;
                }
            }

            byId[member.Id] = (member, url);
        }

        return byId.Values.OrderBy(v => v.Member.Id, StringComparer.Ordinal);
    }

    private bool AcceptMove(string nodeId, string? currentUrl, string newUrl)
    {
        var now = _timeProvider.GetTimestamp();
        if (_history.TryGetValue(nodeId, out var history)
            && history.Previous == newUrl
            && _timeProvider.GetElapsedTime(history.ChangedAt, now) < FlipWindow)
        {
            // Back to the address we just left: two nodes claim this id. Stay put and report the conflict.
            if (!_conflicts.TryGetValue(nodeId, out var since) || _timeProvider.GetElapsedTime(since, now) >= FlipWindow)
            {
                LogFlipFlop(_logger, nodeId, currentUrl ?? "(none)", newUrl);
            }

            _conflicts[nodeId] = now;
            return false;
        }

        _history[nodeId] = new UrlHistory(newUrl, currentUrl, now);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "added remote {Name} for node {NodeId}, whose signed work came through another node")]
    private static partial void LogAddedForAuthor(ILogger logger, string name, string nodeId);

    [LoggerMessage(Level = LogLevel.Information, Message = "added remote {Name} for node {NodeId} at {Url}")]
    private static partial void LogAdded(ILogger logger, string name, string nodeId, string url);

    [LoggerMessage(Level = LogLevel.Information, Message = "remote {Name} moved from {OldUrl} to {NewUrl}")]
    private static partial void LogMoved(ILogger logger, string name, string oldUrl, string newUrl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {NodeId} is seen at both {CurrentUrl} and {OtherUrl}: two nodes claim one id; the remote keeps its URL")]
    private static partial void LogFlipFlop(ILogger logger, string nodeId, string currentUrl, string otherUrl);

    [LoggerMessage(Level = LogLevel.Information, Message = "forgot remote {Name} of node {NodeId}")]
    private static partial void LogForgotten(ILogger logger, string name, string nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cap reached: {Refused} nodes serving this project were given no remote (max {Max}); pin the ones to fetch with peermesh.trust")]
    private static partial void LogCapReached(ILogger logger, int refused, int max);

    private sealed record UrlHistory(string Current, string? Previous, long ChangedAt);
}
