namespace PeerMesh.Discovery.Mdns;

/// <summary>What a transport reports to: received datagrams and changes of the interface list.</summary>
internal interface IMdnsPacketHandler
{
    void OnPacket(MdnsPacket packet);

    /// <summary>The set of usable interfaces changed (one came, went, or changed its addresses).</summary>
    void OnInterfacesChanged(IReadOnlyList<MdnsInterface> interfaces);
}
