using System.Net;

namespace PeerMesh.Discovery.Mdns;

/// <summary>A peer found by the browser: its claimed node id (untrusted), gossip endpoint and instance name.</summary>
internal sealed record MdnsPeer(string NodeId, IPEndPoint GossipEndPoint, string InstanceName);
