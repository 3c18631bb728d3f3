using System.Text;
using PeerMesh.Mesh.Security;
using PeerMesh.Mesh.SignedRefs;

namespace PeerMesh.Sync.SignedRefs;

/// <summary>
/// What a node holds of a repository, as the refs digest it gossips (docs/ARCHITECTURE.md, "What travels in gossip"):
/// its own branches, and for every other author whose statement it holds, that statement's branches (names and
/// commits; not the statement's sequence or bytes). A fetch of a holder brings its statements and the commits they
/// name, nothing else; a statement of an author over the branches already held for it is no news (taken, but nothing
/// moves). So a peer whose own holdings give the same digest has nothing to fetch. That is the relay's fetch-back:
/// bob takes alice's news, signs again because his holdings changed, and alice, who holds exactly the work bob now
/// holds, would fetch bob for nothing while he serves the next hop. It is also most of a mesh's fetches when many
/// nodes start together: each signs again after each statement it takes, and its peers hold the same work by then.
/// </summary>
internal static class HoldingsDigest
{
    private const string Magic = "peermesh holdings 2\n";

    /// <summary>
    /// The digest of <paramref name="holderId"/>'s holdings: its own <paramref name="branches"/> and the branches of
    /// the statements of <paramref name="others"/> (its own statement among them is left out; one per author, in any order).
    /// </summary>
    public static string Of(string holderId, IEnumerable<BranchTip> branches, IEnumerable<RefsStatement> others)
    {
        var text = new StringBuilder(Magic).Append("own ").Append(Sha256Digest.OfRefs(branches.Select(b => (b.Name, b.CommitId)))).Append('\n');
        foreach (var statement in others
            .Where(s => !string.Equals(s.AuthorId, holderId, StringComparison.OrdinalIgnoreCase))
            .OrderBy(s => s.AuthorId, StringComparer.Ordinal))
        {
            text.Append("author ").Append(statement.AuthorId).Append(' ').Append(statement.BranchesDigest).Append('\n');
        }

        return Convert.ToHexStringLower(Sha256Digest.Of(text.ToString()));
    }

    /// <summary>
    /// True when a peer announcing <paramref name="announced"/> holds exactly what this node holds of it and of everyone
    /// else: <paramref name="peer"/> is the peer's statement held here (its branches; null: nothing of it held, so the
    /// answer is no), <paramref name="own"/> this node's own newest statement, <paramref name="held"/> every statement held
    /// here (the peer's and our own among them are not counted twice).
    /// </summary>
    public static bool Matches(string announced, RefsStatement? peer, RefsStatement? own, IEnumerable<RefsStatement> held)
    {
        if (peer is null || own is null)
        {
            return false;
        }

        var others = held
            .Where(s => !string.Equals(s.AuthorId, own.AuthorId, StringComparison.OrdinalIgnoreCase))
            .Append(own);
        return string.Equals(Of(peer.AuthorId, peer.Branches, others), announced, StringComparison.Ordinal);
    }
}
