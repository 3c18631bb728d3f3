using PeerMesh.Mesh.Wire;

namespace PeerMesh.Mesh.Membership;

/// <summary>
/// SWIM incarnation rules (as memberlist's aliveNode/suspectNode/deadNode): an update applies only when it
/// moves the member forward. Alive needs a higher incarnation than what we hold (so it refutes a suspicion
/// of the same incarnation); suspect, dead and left need at least the same incarnation; a dead or left
/// member is only brought back by a newer alive; left may replace dead (it says more), never the reverse.
/// </summary>
internal static class MergeRules
{
    public static MergeDecision Decide(Member? current, UpdateKind kind, long incarnation)
    {
        if (current is null)
        {
            // Only an alive message introduces a member; rumours about strangers are ignored.
            return kind == UpdateKind.Alive ? MergeDecision.Apply : MergeDecision.Ignore;
        }

        switch (kind)
        {
            case UpdateKind.Alive:
                return incarnation > current.Incarnation ? MergeDecision.Apply : MergeDecision.Ignore;
            case UpdateKind.Suspect:
                if (incarnation < current.Incarnation || current.State is MemberState.Dead or MemberState.Left)
                {
                    return MergeDecision.Ignore;
                }

                return current.State == MemberState.Suspect ? MergeDecision.Confirm : MergeDecision.Apply;
            case UpdateKind.Dead:
                return incarnation < current.Incarnation || current.State is MemberState.Dead or MemberState.Left
                    ? MergeDecision.Ignore
                    : MergeDecision.Apply;
            case UpdateKind.Left:
                return incarnation < current.Incarnation || current.State == MemberState.Left
                    ? MergeDecision.Ignore
                    : MergeDecision.Apply;
            default:
                return MergeDecision.Ignore;
        }
    }

    /// <summary>
    /// A repository statement applies to a live member when it is newer than the statement held for that repository:
    /// signed under a later set version, or under the same one with a higher refs version. For a repository not held it
    /// applies only when signed under a set version at or above the floor (the highest heard from the member), so a
    /// statement from before a removal, relayed late, cannot bring the repository back.
    /// </summary>
    public static MergeDecision DecideRepo(Member? current, RepoAnnouncement? held, long heldMark, long floor, long setVersion, long refsVersion)
    {
        if (current is null || !current.IsLive)
        {
            return MergeDecision.Ignore;
        }

        if (held is null)
        {
            return setVersion >= floor ? MergeDecision.Apply : MergeDecision.Ignore;
        }

        return setVersion > heldMark || (setVersion == heldMark && refsVersion > held.RefsVersion) ? MergeDecision.Apply : MergeDecision.Ignore;
    }

    /// <summary>
    /// A removal applies to a live member's held repository when signed under a later set version than the statement
    /// held (a re-added repository's statement is newer than the removal before it); for a repository not held it only
    /// raises the floor, when above it.
    /// </summary>
    public static MergeDecision DecideRepoRemoval(Member? current, RepoAnnouncement? held, long heldMark, long floor, long setVersion)
    {
        if (current is null || !current.IsLive)
        {
            return MergeDecision.Ignore;
        }

        return (held is not null ? setVersion > heldMark : setVersion > floor) ? MergeDecision.Apply : MergeDecision.Ignore;
    }
}
