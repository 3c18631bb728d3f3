using System.Net;
using System.Net.Sockets;

namespace PeerMesh.Discovery.Mdns.InMemory;

/// <summary>
/// A shared link for tests and benchmarks: multicast reaches every attached transport (the sender
/// too, like IP_MULTICAST_LOOP), unicast reaches the owner of the address. Delivery happens on a
/// timer of the given <see cref="TimeProvider"/> after <c>latency</c>, so with a FakeTimeProvider
/// everything runs inside <c>Advance</c> on the test thread, never re-entrantly inside a send.
/// </summary>
internal sealed class InMemoryMdnsNetwork(TimeProvider timeProvider, TimeSpan latency)
{
    private readonly object _gate = new();
    private readonly List<InMemoryMdnsTransport> _transports = [];
    private readonly HashSet<ITimer> _pending = [];

    /// <summary>The IP TTL receivers see; set below 255 to simulate an off-link sender.</summary>
    public int IpTtl { get; set; } = 255;

    /// <summary>Called for every datagram sent: sender, destination (null for multicast), payload.</summary>
    public event Action<InMemoryMdnsTransport, IPEndPoint?, byte[]>? Sent;

    /// <param name="prefixLength">
    /// The prefix of the host's interface (default /16 for IPv4, /64 for IPv6): sources outside it are off-link.
    /// </param>
    public InMemoryMdnsTransport Attach(IPAddress address, int interfaceIndex = 1, string interfaceName = "mem0", int? prefixLength = null)
    {
        var network = MdnsInterface.NetworkOf(address, prefixLength ?? (address.AddressFamily == AddressFamily.InterNetwork ? 16 : 64));
        var transport = new InMemoryMdnsTransport(this, address, network, interfaceIndex, interfaceName);
        lock (_gate)
        {
            _transports.Add(transport);
        }

        return transport;
    }

    internal void Detach(InMemoryMdnsTransport transport)
    {
        lock (_gate)
        {
            _transports.Remove(transport);
        }
    }

    /// <summary>Injects a raw datagram as if <paramref name="source"/> had multicast it.</summary>
    public void Inject(IPEndPoint source, byte[] payload, int? ipTtl = null)
    {
        List<InMemoryMdnsTransport> receivers;
        lock (_gate)
        {
            receivers = _transports.ToList();
        }

        foreach (var receiver in receivers)
        {
            Schedule(receiver, new MdnsPacket(payload, source, receiver.InterfaceIndex, ipTtl ?? IpTtl));
        }
    }

    internal void Send(InMemoryMdnsTransport sender, IPEndPoint? destination, byte[] payload)
    {
        Sent?.Invoke(sender, destination, payload);
        List<InMemoryMdnsTransport> receivers;
        lock (_gate)
        {
            receivers = destination is null
                ? _transports.ToList()
                : _transports.Where(t => t.Address.Equals(destination.Address)).ToList();
        }

        foreach (var receiver in receivers)
        {
            Schedule(receiver, new MdnsPacket(payload, new IPEndPoint(sender.Address, sender.Port), receiver.InterfaceIndex, IpTtl));
        }
    }

    private void Schedule(InMemoryMdnsTransport receiver, MdnsPacket packet)
    {
        lock (_gate)
        {
            ITimer? timer = null;
            timer = timeProvider.CreateTimer(
                _ =>
                {
                    lock (_gate)
                    {
                        if (timer is null || !_pending.Remove(timer))
                        {
                            return;
                        }

                        timer.Dispose();
                    }

                    receiver.Deliver(packet);
                },
                null,
                latency < TimeSpan.FromTicks(1) ? TimeSpan.FromTicks(1) : latency,
                Timeout.InfiniteTimeSpan);
            _pending.Add(timer);
        }
    }
}
