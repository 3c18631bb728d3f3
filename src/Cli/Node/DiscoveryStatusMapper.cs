using PeerMesh.Cli.Status;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Discovery.Seeds;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Cli.Node;

/// <summary>Turns what Discovery knows (mDNS, the seeds' joining) into the status contract's <c>discovery</c>.</summary>
internal static class DiscoveryStatusMapper
{
    /// <summary>mDNS announces twice in the first second and browses at once; 10 s is well past both.</summary>
    public static readonly TimeSpan MdnsGracePeriod = TimeSpan.FromSeconds(10);

    /// <summary>
    /// mDNS can look healthy from inside (sockets open, sends accepted) while multicast is dropped on the
    /// way. Peers known through gossip or seeds, none of them heard on mDNS after a grace period, say so.
    /// </summary>
    public static DiscoveryInfo Map(MdnsStatus mdns, IReadOnlyList<Member> members, IReadOnlyList<string> seeds, IReadOnlyList<SeedStatus> seedStatus, TimeSpan uptime)
    {
        var seedInfo = seedStatus.Select(Map).ToList();
        if (!mdns.Enabled)
        {
            return new DiscoveryInfo("off", null, seeds, seedInfo);
        }

        if (mdns.Degraded)
        {
            return new DiscoveryInfo("degraded", mdns.DegradedReason, seeds, seedInfo);
        }

        var live = members.Where(m => m.IsLive).ToList();
        var silent = uptime > MdnsGracePeriod && mdns.PeersFound == 0 && live.Count > 0 && !live.Any(m => m.FoundBy.HasFlag(DiscoverySource.Mdns));
        return silent
            ? new DiscoveryInfo("degraded", $"no mDNS answer from {(live.Count == 1 ? "the 1 peer" : $"any of the {live.Count} peers")} known through gossip or seeds; multicast may be blocked here", seeds, seedInfo)
            : new DiscoveryInfo("on", null, seeds, seedInfo);
    }

    public static SeedInfo Map(SeedStatus seed) => new(seed.Seed, seed.Joined, seed.LastError, seed.Attempts, seed.NextAttempt);
}
