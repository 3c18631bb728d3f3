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

    /// <summary>A repo announcement applies to a live member when its refs version is newer than the one held.</summary>
    public static MergeDecision DecideRepo(Member? current, RepoAnnouncement repo)
    {
        if (current is null || !current.IsLive)
        {
            return MergeDecision.Ignore;
        }

        var held = current.FindRepo(repo.RepoId);
        return held is null || repo.RefsVersion > held.RefsVersion ? MergeDecision.Apply : MergeDecision.Ignore;
    }
}
