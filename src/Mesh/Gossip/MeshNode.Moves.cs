using System.Net;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Wire;

namespace PeerMesh.Mesh.Gossip;

/// <summary>
/// Members that change address while they run (a laptop on another network, a new DHCP lease). A member bound to every
/// address announces none (its address is where its datagrams come from, once proven), so when its address changes
/// nothing it signs says so. Left to the failure detector, we would notice after a failed probe, a suspicion, its
/// refutation and a challenge: 2 to 3 probe intervals, while its peers' fetches still go to the old address.
/// Instead, a fresh statement of its own, signed by it and sent by it, that arrives from another address is a reason to
/// challenge that address at once (one round trip); on proof the member moves (<see cref="MoveMember"/>).
/// </summary>
internal sealed partial class MeshNode
{
    /// <summary>
    /// <paramref name="update"/> (a self-statement, such as a repository announcement) came from <paramref name="source"/>
    /// with the member's own id as sender, and was applied: <paramref name="before"/> is the entry as it was, so a
    /// replayed or old statement (which changes nothing) challenges nothing. Only a member whose address was observed
    /// rather than signed is challenged: a signed address is not overridden by where packets come from.
    /// </summary>
    private void ChallengeIfMoved(MemberEntry? before, MemberUpdate update, IPEndPoint source, string sender)
    {
        if (sender != update.NodeId
            || before is not { Member.IsLive: true }
            || _table.Get(update.NodeId) is not { } after
            || ReferenceEquals(after, before)
            || !NeedsObservedAddress(before.Announcement, source))
        {
            return;
        }

        var endPoint = new IPEndPoint(source.Address, before.Member.GossipEndPoint.Port);
        if (!endPoint.Equals(before.Member.GossipEndPoint) && !WireValidation.IsUnusable(source.Address))
        {
            // Not a claim: a failed challenge here is no conflict, only an unproven address.
            Challenge(after.Announcement, endPoint, claimedBySender: false);
        }
    }
}
