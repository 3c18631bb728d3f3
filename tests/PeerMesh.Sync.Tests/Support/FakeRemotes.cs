using System.Collections.Immutable;
using PeerMesh.Mesh.Membership;
using PeerMesh.Sync.Remotes;
using PeerMesh.Sync.Trust;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>
/// Managed remotes without a repository: one per live trusted member serving the repo, named after the member, its URL
/// built from the member's address as <see cref="ManagedRemotes"/> does and following its moves.
/// </summary>
internal sealed class FakeRemotes : IManagedRemotes
{
    private readonly string _repoId;
    private readonly Lock _gate = new();
    private ImmutableArray<ManagedRemote> _remotes = [];

    public FakeRemotes(string repoId, params ManagedRemote[] existing)
    {
        _repoId = repoId;
        _remotes = [.. existing];
    }

    public ImmutableArray<ManagedRemote> Reconcile(MembershipSnapshot snapshot, TrustList? trust = null)
    {
        lock (_gate)
        {
            foreach (var member in snapshot.Members)
            {
                if (!member.IsLive || !(trust ?? TrustList.Everyone).IsTrusted(member.Id) || member.FindRepo(_repoId) is not { } repo)
                {
                    continue;
                }

                var url = RemoteUrl.TryBuild(member.GossipEndPoint.Address, member.GitPort, repo.Path);
                var existing = _remotes.FirstOrDefault(r => r.NodeId == member.Id);
                if (existing is null)
                {
                    _remotes = _remotes.Add(new ManagedRemote(member.Name, member.Id, url));
                }
                else if (url is not null && existing.Url != url)
                {
                    _remotes = _remotes.Replace(existing, existing with { Url = url });
                }
            }

            return _remotes;
        }
    }

    public ImmutableArray<ManagedRemote> List()
    {
        lock (_gate)
        {
            return _remotes;
        }
    }

    public bool HasConflict(string nodeId) => false;
}
