using PeerMesh.Cli.Status;
using PeerMesh.Sync.Status;

namespace PeerMesh.Cli.Node;

/// <summary>
/// Adds what signed refs know to the peers of the status document: for each peer, the newest statement held of its
/// work and the nodes it came through (<c>via</c>), the copies it served that were refused; and every author whose
/// work is held but who is not in the membership (never seen directly, or gone), as an <c>offline</c> peer found by
/// <c>relay</c>.
/// </summary>
internal static class RelayStatusMapper
{
    public const string FoundByRelay = "relay";

    /// <param name="peers">The members, mapped.</param>
    /// <param name="repos">Each shown project's id and signed refs (null: the node signs nothing there).</param>
    /// <param name="selfId">This node (its own work is not a peer).</param>
    public static List<PeerStatus> WithRelays(IReadOnlyList<PeerStatus> peers, IReadOnlyList<(string RepoId, SignedRefsStatus? Signed)> repos, string selfId)
    {
        var signed = repos.Where(r => r.Signed is not null).Select(r => (r.RepoId, Signed: r.Signed!)).ToList();
        if (signed.Count == 0)
        {
            return [.. peers];
        }

        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var author in signed.SelectMany(r => r.Signed.Authors))
        {
            names[author.AuthorId] = author.Name;
        }

        foreach (var peer in peers)
        {
            names[peer.Id] = peer.Name;
        }

        var result = peers.Select(p => Enrich(p, signed, names)).ToList();
        var offline = signed
            .SelectMany(r => r.Signed.Authors.Select(a => (r.RepoId, Author: a)))
            .Where(x => x.Author.AuthorId != selfId && peers.All(p => p.Id != x.Author.AuthorId))
            .GroupBy(x => x.Author.AuthorId, StringComparer.Ordinal);
        foreach (var author in offline)
        {
            var newest = author.MaxBy(x => x.Author.SignedAt).Author;
            var peer = new PeerStatus(
                newest.AuthorId,
                newest.Name,
                "offline",
                "",
                newest.SignedAt,
                [FoundByRelay],
                [],
                Trusted: true,
                Serves: [.. author.Select(x => x.RepoId).Distinct(StringComparer.Ordinal)]);
            result.Add(Enrich(peer, signed, names));
        }

        return result;
    }

    private static PeerStatus Enrich(PeerStatus peer, List<(string RepoId, SignedRefsStatus Signed)> repos, Dictionary<string, string> names)
    {
        var held = repos.SelectMany(r => r.Signed.Authors.Where(a => a.AuthorId == peer.Id).Select(a => (r.RepoId, Author: a))).ToList();
        var refused = repos
            .SelectMany(r => r.Signed.Conflicts.Where(c => c.HolderId == peer.Id)
                .Select(c => new RelayConflictInfo(r.RepoId, c.AuthorId, names.GetValueOrDefault(c.AuthorId, c.AuthorId[..8]), c.Reason, c.At)))
            .ToList();
        if (held.Count == 0 && refused.Count == 0)
        {
            return peer;
        }

        return peer with
        {
            Statement = [.. held.Select(h => new StatementInfo(h.RepoId, h.Author.Sequence, h.Author.SignedAt))],
            Via = [.. held
                .Where(h => h.Author.ViaId is { } via && via != peer.Id)
                .Select(h => names.GetValueOrDefault(h.Author.ViaId!, h.Author.ViaId![..8]))
                .Distinct(StringComparer.Ordinal)],
            Refused = refused,
        };
    }

    /// <summary>The project's signed refs for status: own statement, omitted branches, counts.</summary>
    public static SignedRefsInfo? Map(SignedRefsStatus? signed) =>
        signed is null
            ? null
            : new SignedRefsInfo(
                signed.Own?.Sequence,
                signed.Own?.SignedAt,
                signed.Own?.Branches ?? 0,
                [.. signed.Own?.Omitted.Select(o => $"{o.Name} ({o.Reason})") ?? []],
                signed.Accepted,
                signed.Rejections)
            {
                SharedBranches = [.. signed.Own?.Shared ?? []],
                SharePatterns = [.. signed.Own?.SharePatterns ?? []],
            };
}
