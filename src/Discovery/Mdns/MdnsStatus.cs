namespace PeerMesh.Discovery.Mdns;

/// <summary>A snapshot of mDNS discovery for <c>peermesh status</c>.</summary>
/// <param name="Enabled">False with <c>--no-mdns</c>.</param>
/// <param name="Degraded">True when multicast cannot work; seeds and gossip still do.</param>
/// <param name="DegradedReason">Why, for people.</param>
/// <param name="InstanceName">Our <c>_peermesh._udp</c> instance label after conflict handling.</param>
/// <param name="Interfaces">Interfaces in use.</param>
/// <param name="PacketsIn">Datagrams received.</param>
/// <param name="PacketsOut">Datagrams sent.</param>
/// <param name="BytesIn">Bytes received.</param>
/// <param name="BytesOut">Bytes sent.</param>
/// <param name="PeersFound">Matching peers currently in the cache.</param>
/// <param name="Drops">Datagrams dropped, by reason.</param>
internal sealed record MdnsStatus(
    bool Enabled,
    bool Degraded,
    string? DegradedReason,
    string? InstanceName,
    IReadOnlyList<string> Interfaces,
    long PacketsIn,
    long PacketsOut,
    long BytesIn,
    long BytesOut,
    int PeersFound,
    IReadOnlyDictionary<string, long> Drops)
{
    public static MdnsStatus Disabled { get; } = new(false, false, null, null, [], 0, 0, 0, 0, 0, new Dictionary<string, long>());
}
