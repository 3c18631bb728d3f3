using System.Collections.Immutable;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Discovery.Mdns;

/// <summary>What the local node advertises over mDNS.</summary>
/// <param name="NodeId">The node id (hex).</param>
/// <param name="Name">Display name; the DNS-SD instance label (renamed "name (2)" on conflict).</param>
/// <param name="MeshId">The mesh id; only a short hash of it is advertised, so meshes with different keys ignore each other.</param>
/// <param name="GossipPort">Port actually bound by the gossip transport.</param>
/// <param name="GitPort">Port actually bound by the git daemon; 0 when nothing is served.</param>
/// <param name="Repos">Served repositories, one <c>_git._tcp</c> instance each.</param>
/// <param name="ProtocolVersion">The gossip wire format version (2: repositories as statements of their own), advertised as <c>v=</c>.</param>
internal sealed record MdnsAdvertisement(
    string NodeId,
    string Name,
    string MeshId,
    int GossipPort,
    int GitPort,
    ImmutableArray<RepoAnnouncement> Repos,
    int ProtocolVersion = 2);
