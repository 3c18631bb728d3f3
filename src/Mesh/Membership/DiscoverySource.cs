namespace PeerMesh.Mesh.Membership;

/// <summary>How a member was found. A member can be found several ways; the flags accumulate.</summary>
[Flags]
public enum DiscoverySource
{
    None = 0,
    Seed = 1,
    Gossip = 2,
    Mdns = 4,
    LastKnown = 8,
}
