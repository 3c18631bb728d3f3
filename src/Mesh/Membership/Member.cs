using System.Collections.Immutable;
using System.Net;

namespace PeerMesh.Mesh.Membership;

/// <summary>A member of the mesh as the local node believes it to be. Immutable.</summary>
/// <param name="Id">Node id (hex).</param>
/// <param name="Name">Display name (untrusted).</param>
/// <param name="Incarnation">SWIM incarnation; raised by the member itself to refute suspicion.</param>
/// <param name="State">Current state.</param>
/// <param name="GossipEndPoint">Where its gossip is reached: the packet's source address when it advertised an unspecified one.</param>
/// <param name="GitPort">Port of its git daemon (0 if it serves nothing).</param>
/// <param name="Repos">Repositories it serves.</param>
/// <param name="FoundBy">How it was found.</param>
/// <param name="LastSeen">When something was last heard from it directly.</param>
public sealed record Member(
    string Id,
    string Name,
    long Incarnation,
    MemberState State,
    IPEndPoint GossipEndPoint,
    int GitPort,
    ImmutableArray<RepoAnnouncement> Repos,
    DiscoverySource FoundBy,
    DateTimeOffset LastSeen)
{
    /// <summary>The last other address that claimed this member's id (HOSTILE 9, 20), not believed; null if none.</summary>
    public IPEndPoint? ConflictingEndPoint { get; init; }

    /// <summary>When <see cref="ConflictingEndPoint"/> last claimed the id.</summary>
    public DateTimeOffset? ConflictAt { get; init; }

    public bool IsLive => State is MemberState.Alive or MemberState.Suspect;

    public RepoAnnouncement? FindRepo(string repoId)
    {
        foreach (var repo in Repos)
        {
            if (repo.RepoId == repoId)
            {
                return repo;
            }
        }

        return null;
    }
}
