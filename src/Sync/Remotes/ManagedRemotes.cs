using System.Collections.Immutable;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using PeerMesh.Mesh.Membership;
using PeerMesh.Sync.Trust;

namespace PeerMesh.Sync.Remotes;

/// <summary>
/// Keeps one git remote per live peer that serves our repository, and never touches a remote it did not make
/// (a managed remote carries <c>remote.NAME.peermeshNode = NODE ID</c>). A peer that goes away keeps its remote
/// and refs; only <see cref="Forget"/> removes one. Calls are serialised; each opens its own <see cref="Repository"/>.
/// </summary>
internal sealed partial class ManagedRemotes : IManagedRemotes
{
    public const string NodeKey = "peermeshNode";

    /// <summary>An address seen again within this time after we moved away from it is a flip-flop, not a move.</summary>
    public static readonly TimeSpan FlipWindow = TimeSpan.FromSeconds(60);

    private readonly string _gitDir;
    private readonly string _repoId;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, UrlHistory> _history = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _conflicts = new(StringComparer.Ordinal);

    public ManagedRemotes(string gitDir, string repoId, TimeProvider timeProvider, ILogger<ManagedRemotes> logger)
    {
        _gitDir = gitDir;
        _repoId = repoId;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public static string RefspecFor(string remoteName) => $"+refs/heads/*:refs/remotes/{remoteName}/*";

    /// <summary>
    /// Ensures a managed remote for every live member serving our repo with a usable URL, following address and
    /// port changes. A member left out by <paramref name="trust"/> gets no remote, and an existing remote of one keeps
    /// its URL and refs (nothing is deleted; the scheduler does not fetch it). Returns every managed remote afterwards,
    /// including those of peers that are gone or no longer trusted.
    /// </summary>
    public ImmutableArray<ManagedRemote> Reconcile(MembershipSnapshot snapshot, TrustList? trust = null)
    {
        lock (_gate)
        {
            using var repo = new Repository(_gitDir);
            var managed = ReadManaged(repo);
            foreach (var (member, url) in Desired(snapshot, trust ?? TrustList.Everyone))
            {
                var existing = managed.FirstOrDefault(m => m.NodeId == member.Id);
                if (existing is null)
                {
                    var name = RemoteNames.Choose(member.Name, member.Id, n => IsTaken(repo, n));
                    if (name is null)
                    {
                        continue;
                    }

                    repo.Network.Remotes.Add(name, url, RefspecFor(name));
                    repo.Network.Remotes.Update(name, r => r.TagFetchMode = TagFetchMode.None);
                    repo.Config.Set($"remote.{name}.{NodeKey}", member.Id, ConfigurationLevel.Local);
                    _history[member.Id] = new UrlHistory(url, null, _timeProvider.GetTimestamp());
                    LogAdded(_logger, name, member.Id, url);
                    managed = managed.Add(new ManagedRemote(name, member.Id, url));
                    continue;
                }

                EnsureShape(repo, existing.Name);
                if (existing.Url != url && AcceptMove(member.Id, existing.Url, url))
                {
                    repo.Network.Remotes.Update(existing.Name, r => r.Url = url);
                    LogMoved(_logger, existing.Name, existing.Url ?? "(none)", url);
                    managed = managed.Replace(existing, existing with { Url = url });
                }
            }

            return managed;
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
    public ForgetResult Forget(string name)
    {
        lock (_gate)
        {
            using var repo = new Repository(_gitDir);
            if (!RemoteNames.IsSafe(name) || repo.Network.Remotes[name] is null)
            {
                return ForgetResult.NotFound;
            }

            var nodeId = repo.Config.Get<string>($"remote.{name}.{NodeKey}")?.Value;
            if (string.IsNullOrEmpty(nodeId))
            {
                return ForgetResult.NotManaged;
            }

            repo.Network.Remotes.Remove(name);
            var prefix = $"refs/remotes/{name}/";
            foreach (var reference in repo.Refs.Where(r => r.CanonicalName.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            {
                repo.Refs.Remove(reference);
            }

            _history.Remove(nodeId);
            _conflicts.Remove(nodeId);
            LogForgotten(_logger, name, nodeId);
            return ForgetResult.Removed;
        }
    }

    private static ImmutableArray<ManagedRemote> ReadManaged(Repository repo)
    {
        var builder = ImmutableArray.CreateBuilder<ManagedRemote>();
        foreach (var remote in repo.Network.Remotes)
        {
            var nodeId = repo.Config.Get<string>($"remote.{remote.Name}.{NodeKey}")?.Value;
            if (!string.IsNullOrEmpty(nodeId))
            {
                builder.Add(new ManagedRemote(remote.Name, nodeId, remote.Url));
            }
        }

        return builder.ToImmutable();
    }

    private static bool IsTaken(Repository repo, string name)
    {
        // Case-insensitive: refs/remotes/Alice and refs/remotes/alice are one directory on macOS.
        foreach (var remote in repo.Network.Remotes)
        {
            if (string.Equals(remote.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        // Leftover tracking refs of a remote the user deleted by hand are not ours to overwrite.
        var prefix = $"refs/remotes/{name}/";
        return repo.Refs.Any(r => r.CanonicalName.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
    }

    private static void EnsureShape(Repository repo, string name)
    {
        // A managed remote is ours: if someone edited its refspec or tag option, put them back.
        var remote = repo.Network.Remotes[name];
        var refspec = RefspecFor(name);
        if (remote.FetchRefSpecs.Count() != 1 || remote.FetchRefSpecs.First().Specification != refspec)
        {
            repo.Network.Remotes.Update(name, r => r.FetchRefSpecs = new[] { refspec });
        }

        if (remote.TagFetchMode != TagFetchMode.None)
        {
            repo.Network.Remotes.Update(name, r => r.TagFetchMode = TagFetchMode.None);
        }
    }

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Added remote {Name} for node {NodeId} at {Url}")]
    private static partial void LogAdded(ILogger logger, string name, string nodeId, string url);

    [LoggerMessage(Level = LogLevel.Information, Message = "Remote {Name} moved from {OldUrl} to {NewUrl}")]
    private static partial void LogMoved(ILogger logger, string name, string oldUrl, string newUrl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {NodeId} is seen at both {CurrentUrl} and {OtherUrl}: two nodes claim one id; the remote keeps its URL")]
    private static partial void LogFlipFlop(ILogger logger, string nodeId, string currentUrl, string otherUrl);

    [LoggerMessage(Level = LogLevel.Information, Message = "Forgot remote {Name} of node {NodeId}")]
    private static partial void LogForgotten(ILogger logger, string name, string nodeId);

    private sealed record UrlHistory(string Current, string? Previous, long ChangedAt);
}
