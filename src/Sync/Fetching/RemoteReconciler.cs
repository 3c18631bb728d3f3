using System.Collections.Immutable;
using System.Text;
using PeerMesh.Mesh.Membership;
using PeerMesh.Sync.Remotes;
using PeerMesh.Sync.Trust;

namespace PeerMesh.Sync.Fetching;

/// <summary>
/// Keeps the managed remotes in the config in line with the membership. Snapshots change often (suspicion, last
/// seen); the config is looked at only when what shapes a remote does (a live member's id, name, incarnation,
/// addresses or repository path) or after <see cref="Invalidate"/> (trust changed, a remote forgotten or edited by
/// hand). Called from the membership follower's loop only; <see cref="Invalidate"/> from anywhere.
/// </summary>
internal sealed class RemoteReconciler
{
    private readonly IManagedRemotes _remotes;
    private readonly string _repoId;
    private readonly Lock _gate = new();
    private long _generation;
    private long _reconciledGeneration = -1;
    private string? _reconciledKey;
    private ImmutableArray<ManagedRemote> _reconciled;

    public RemoteReconciler(IManagedRemotes remotes, string repoId)
    {
        _remotes = remotes;
        _repoId = repoId;
    }

    /// <summary>The config changed under the cache: look at it again on the next snapshot.</summary>
    public void Invalidate()
    {
        lock (_gate)
        {
            _generation++;
        }
    }

    /// <summary>The managed remotes for <paramref name="snapshot"/>; throws what <see cref="IManagedRemotes.Reconcile"/> throws.</summary>
    public ImmutableArray<ManagedRemote> Reconcile(MembershipSnapshot snapshot, TrustList trust)
    {
        var key = ShapeKey(snapshot, _repoId);
        long generation;
        lock (_gate)
        {
            generation = _generation;
            if (key == _reconciledKey && generation == _reconciledGeneration && !_reconciled.IsDefault)
            {
                return _reconciled;
            }
        }

        var managed = _remotes.Reconcile(snapshot, trust);
        lock (_gate)
        {
            // An invalidation during the reconcile keeps the cache stale, so the next snapshot looks again.
            _reconciledKey = key;
            _reconciledGeneration = generation;
            _reconciled = managed;
        }

        return managed;
    }

    /// <summary>What shapes the remotes of a snapshot: one line per live member serving the repository.</summary>
    public static string ShapeKey(MembershipSnapshot snapshot, string repoId)
    {
        var builder = new StringBuilder();
        foreach (var member in snapshot.Members.OrderBy(m => m.Id, StringComparer.Ordinal))
        {
            if (member.IsLive && member.FindRepo(repoId) is { } repo)
            {
                builder.Append(member.Id).Append('|').Append(member.Name).Append('|').Append(member.Incarnation).Append('|')
                    .Append(member.GossipEndPoint).Append('|').Append(member.GitPort).Append('|').Append(repo.Path).Append('\n');
            }
        }

        return builder.ToString();
    }
}
