using PeerMesh.Discovery.Dns;

namespace PeerMesh.Discovery.Mdns;

/// <summary>A unique name the responder owns (host, node instance or repo instance) and its probing state.</summary>
internal sealed class MdnsOwnedName(MdnsOwnedNameKind kind, string key, string baseLabel)
{
    public MdnsOwnedNameKind Kind { get; } = kind;

    /// <summary>"host", "node" or "repo:&lt;repo id&gt;".</summary>
    public string Key { get; } = key;

    public string BaseLabel { get; set; } = baseLabel;

    /// <summary>1 for the plain name; raised by one on each conflict.</summary>
    public int Attempt { get; set; } = 1;

    /// <summary>False while probing; true once announced.</summary>
    public bool Established { get; set; }

    public string Label(string nodeId) => Kind == MdnsOwnedNameKind.Host ? MdnsNames.HostLabel(nodeId, Attempt) : MdnsNames.InstanceLabel(BaseLabel, Attempt);

    public DnsName Name(string nodeId) => Kind switch
    {
        MdnsOwnedNameKind.Host => MdnsNames.Local.Prepend(Label(nodeId)),
        MdnsOwnedNameKind.Node => MdnsNames.PeerMeshService.Prepend(Label(nodeId)),
        _ => MdnsNames.GitService.Prepend(Label(nodeId)),
    };
}
