using PeerMesh.Mesh.Membership;

namespace PeerMesh.Sync.Fetching;

/// <summary>The scheduling decisions, as pure functions (tested without I/O or time).</summary>
internal static class FetchPlanner
{
    /// <summary>
    /// What a new membership entry asks for, given whether the peer was live before and the refs version we last
    /// asked a fetch for. Any change of the version counts, not only a rise: a peer that lost its state and counts
    /// from 1 again still has new refs for us.
    /// </summary>
    public static FetchTrigger Decide(bool wasLive, long requestedVersion, Member member, string repoId)
    {
        if (!member.IsLive || member.FindRepo(repoId) is not { } repo)
        {
            return FetchTrigger.None;
        }

        if (!wasLive)
        {
            return FetchTrigger.Joined;
        }

        return repo.RefsVersion != requestedVersion ? FetchTrigger.RefsChanged : FetchTrigger.None;
    }

    /// <summary>
    /// The backstop delay: <paramref name="interval"/> +- <paramref name="jitter"/> (a fraction), from a uniform
    /// <paramref name="random01"/> in [0, 1), so peers drift apart instead of fetching in lockstep.
    /// </summary>
    public static TimeSpan Jittered(TimeSpan interval, double jitter, double random01)
    {
        var factor = 1 + (jitter * ((2 * random01) - 1));
        return TimeSpan.FromTicks(Math.Max(1, (long)(interval.Ticks * factor)));
    }
}
