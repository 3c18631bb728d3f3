using PeerMesh.Mesh.Membership;

namespace PeerMesh.Sync.Fetching;

/// <summary>The scheduling decisions, as pure functions (tested without I/O or time).</summary>
internal static class FetchPlanner
{
    /// <summary>
    /// What a new membership entry asks for, given whether the peer was live before, the refs version we last
    /// asked a fetch for and whether its remote URL just changed. Any change of the version counts, not only a rise: a
    /// peer that lost its state and counts from 1 again still has new refs for us. A peer seen at a new address is
    /// fetched there at once: what failed at the old address, or was committed while moving, comes now, not with the
    /// backstop.
    /// </summary>
    public static FetchTrigger Decide(bool wasLive, long requestedVersion, Member member, string repoId, bool moved = false)
    {
        if (!member.IsLive || member.FindRepo(repoId) is not { } repo)
        {
            return FetchTrigger.None;
        }

        if (!wasLive)
        {
            return FetchTrigger.Joined;
        }

        if (repo.RefsVersion != requestedVersion)
        {
            return FetchTrigger.RefsChanged;
        }

        return moved ? FetchTrigger.Moved : FetchTrigger.None;
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
