using PeerMesh.Mesh.Wire;

namespace PeerMesh.Mesh.Membership;

/// <summary>The table's record of a member: the public view plus what the protocol needs to relay it.</summary>
/// <param name="Member">The public, immutable view.</param>
/// <param name="Announcement">The latest alive message of the member as received (kept for relays and push-pull, signature intact; it carries no repositories).</param>
/// <param name="StateChangedAt">When <see cref="Member.State"/> last changed (dead-member retention, gossip to the dead).</param>
internal sealed record MemberEntry(Member Member, MemberUpdate Announcement, DateTimeOffset StateChangedAt)
{
    public string Id => Member.Id;

    /// <summary>
    /// The signed statement that put the member in its current state when that is not alive: a suspect or dead claim
    /// (signed by its claimant) or the member's own leave; sent as is in push-pull. Null while alive.
    /// </summary>
    public MemberUpdate? Claim { get; init; }

    /// <summary>The member's repository-set summary and the marks of its held repositories (see <see cref="MemberRepoState"/>).</summary>
    public MemberRepoState RepoState { get; init; } = MemberRepoState.Empty;
}
