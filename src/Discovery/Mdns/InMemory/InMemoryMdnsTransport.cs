using System.Collections.Immutable;
using System.Net;

namespace PeerMesh.Discovery.Mdns.InMemory;

/// <summary>One host on an <see cref="InMemoryMdnsNetwork"/>, with one interface.</summary>
internal sealed class InMemoryMdnsTransport : IMdnsTransport
{
    private readonly InMemoryMdnsNetwork _network;
    private IMdnsPacketHandler? _handler;
    private IReadOnlyList<MdnsInterface> _interfaces;

    internal InMemoryMdnsTransport(InMemoryMdnsNetwork network, IPAddress address, IPNetwork prefix, int interfaceIndex, string interfaceName)
    {
        _network = network;
        Address = address;
        InterfaceIndex = interfaceIndex;
        _interfaces = [new MdnsInterface(interfaceIndex, interfaceName, ImmutableArray.Create(address), ImmutableArray.Create(prefix))];
    }

    public IPAddress Address { get; }

    public int InterfaceIndex { get; }

    /// <summary>Source port of what this host sends (5353 for a full mDNS host; another for a legacy resolver).</summary>
    public int Port { get; set; } = 5353;

    public IReadOnlyList<MdnsInterface> Interfaces => _interfaces;

    public string? DegradedReason { get; set; }

    /// <summary>When false, sends fail (as with multicast blocked).</summary>
    public bool CanSend { get; set; } = true;

    public Task StartAsync(IMdnsPacketHandler handler, CancellationToken cancellationToken)
    {
        _handler = handler;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _handler = null;
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _handler = null;
        _network.Detach(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>Replaces the interface list, as when an interface comes or goes.</summary>
    public void SetInterfaces(IReadOnlyList<MdnsInterface> interfaces)
    {
        _interfaces = interfaces;
        _handler?.OnInterfacesChanged(interfaces);
    }

    public bool SendMulticast(MdnsInterface networkInterface, ReadOnlyMemory<byte> packet)
    {
        if (!CanSend || _handler is null)
        {
            return false;
        }

        _network.Send(this, null, packet.ToArray());
        return true;
    }

    public bool SendUnicast(MdnsInterface networkInterface, IPEndPoint destination, ReadOnlyMemory<byte> packet)
    {
        if (!CanSend || _handler is null)
        {
            return false;
        }

        _network.Send(this, destination, packet.ToArray());
        return true;
    }

    internal void Deliver(MdnsPacket packet) => _handler?.OnPacket(packet);
}
