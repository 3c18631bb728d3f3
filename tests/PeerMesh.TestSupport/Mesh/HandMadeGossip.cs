using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Wire;

namespace PeerMesh.TestSupport.Mesh;

/// <summary>Gossip made by hand, as a raw endpoint or an attacker sends it: signed alives, repository statements and open-mesh datagrams.</summary>
internal static class HandMadeGossip
{
    /// <summary>An open-mesh codec whose datagrams name <paramref name="senderId"/> in the (unauthenticated) header.</summary>
    public static MeshCodec Codec(string senderId) =>
        new("peermesh", senderId, null, TimeSpan.FromSeconds(60), TimeProvider.System, 1400);

    public static byte[] Encode(string senderId, MeshMessage message) => Codec(senderId).Encode(message);

    /// <summary>
    /// What <paramref name="identity"/>'s node announces about itself, signed with its key. With <paramref name="repos"/>, the
    /// alive carries their summary (count and digest of the ids) at <paramref name="repoSetVersion"/>; the repositories
    /// themselves are statements of their own (<see cref="SignedRepos"/>).
    /// </summary>
    public static MemberUpdate SignedAlive(
        NodeIdentity identity, byte[]? address, int port, long incarnation, string name, int gitPort = 0, WireRepo[]? repos = null, long repoSetVersion = 1, int? repoCount = null)
    {
        var update = new MemberUpdate
        {
            Kind = UpdateKind.Alive,
            NodeId = identity.Id,
            Incarnation = incarnation,
            Name = name,
            Address = address,
            Port = port,
            GitPort = gitPort,
            RepoSetVersion = repos is { Length: > 0 } ? repoSetVersion : 0,
            RepoCount = repoCount ?? repos?.Length ?? 0,
            RepoSetDigest = repos is { Length: > 0 } ? RepoSetSummary.Digest(repos.Select(r => r.RepoId)) : null,
        };
        UpdateSigning.Sign(update, identity);
        return update;
    }

    /// <summary>A repository statement (or, with <see cref="UpdateKind.RepoRemoved"/>, a removal) of <paramref name="identity"/>'s node, signed.</summary>
    public static MemberUpdate SignedRepo(NodeIdentity identity, WireRepo repo, long repoSetVersion = 1, UpdateKind kind = UpdateKind.Repo, long incarnation = 1)
    {
        var update = new MemberUpdate { Kind = kind, NodeId = identity.Id, Incarnation = incarnation, RepoSetVersion = repoSetVersion, Repos = [repo] };
        UpdateSigning.Sign(update, identity);
        return update;
    }

    public static MemberUpdate[] SignedRepos(NodeIdentity identity, IEnumerable<WireRepo> repos, long repoSetVersion = 1) =>
        repos.Select(r => SignedRepo(identity, r, repoSetVersion)).ToArray();
}
