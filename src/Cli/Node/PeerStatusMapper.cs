using PeerMesh.Cli.Status;
using PeerMesh.Mesh.Membership;
using PeerMesh.Sync.Status;

namespace PeerMesh.Cli.Node;

/// <summary>Turns what Mesh knows of a member and what Sync knows of its remotes into the status contract.</summary>
internal static class PeerStatusMapper
{
    public static PeerStatus Map(Member member, PeerSyncStatus? sync, bool trusted = true) =>
        MapWithRemotes(member, sync?.Remotes.Select(r => MapRemote(r, null)).ToList() ?? [], trusted, shown: null);

    /// <summary>
    /// A member with its remotes gathered from every served repository's Sync, and which of the <paramref name="shown"/>
    /// projects (repo ids; null: none compared) it announces.
    /// </summary>
    public static PeerStatus MapWithRemotes(Member member, IReadOnlyList<PeerRemoteStatus> remotes, bool trusted, IReadOnlySet<string>? shown) => new(
        member.Id,
        member.Name,
        member.State.ToString().ToLowerInvariant(),
        member.GossipEndPoint.ToString(),
        member.LastSeen,
        FoundBy(member.FoundBy),
        remotes,
        trusted,
        member is { ConflictingEndPoint: { } other, ConflictAt: { } at } ? new IdConflict(other.ToString(), at) : null,
        shown is null ? null : [.. member.Repos.Select(r => r.RepoId).Where(shown.Contains).Distinct(StringComparer.Ordinal)],
        shown is null ? 0 : member.Repos.Select(r => r.RepoId).Distinct(StringComparer.Ordinal).Count(id => !shown.Contains(id)));

    /// <summary>The cap on managed remotes for status, only once it left a node without a remote.</summary>
    public static RemoteCapInfo? RemoteCap(SyncStatus? sync) =>
        sync?.RemoteCap is { Reached: true } cap ? new RemoteCapInfo(cap.Max, cap.Managed, cap.Refused) : null;

    public static IReadOnlyList<string> FoundBy(DiscoverySource sources)
    {
        var names = new List<string>();
        if (sources.HasFlag(DiscoverySource.Seed))
        {
            names.Add("seed");
        }

        if (sources.HasFlag(DiscoverySource.Mdns))
        {
            names.Add("mdns");
        }

        if (sources.HasFlag(DiscoverySource.Gossip))
        {
            names.Add("gossip");
        }

        if (sources.HasFlag(DiscoverySource.LastKnown))
        {
            names.Add("last-known");
        }

        return names;
    }

    /// <param name="localPath">The work tree of the local repository the remote is in.</param>
    public static PeerRemoteStatus MapRemote(RemoteSyncStatus remote, string? localPath) => new(
        remote.Repo,
        remote.Remote,
        remote.LastFetch is { } f ? new LastFetchInfo(f.At, f.Ok, f.Error) : null,
        remote.NextFetch,
        [.. remote.Branches.Select(b => new BranchStatus(b.Name, b.Ahead, b.Behind, b.Local))],
        remote.InProgress,
        remote.Rewritten,
        remote.Progress is { } p ? new FetchProgressInfo(p.ReceivedObjects, p.TotalObjects, p.ReceivedBytes, Math.Round(p.BytesPerSecond)) : null,
        remote.Breaker.State,
        remote.Breaker.Failures,
        remote.Breaker.RetryAt,
        remote.AddressConflict,
        localPath);
}
