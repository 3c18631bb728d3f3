using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Discovery.Dns;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Discovery.Mdns.InMemory;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Discovery.Tests.Mdns;

/// <summary>An in-memory link with a FakeTimeProvider, nodes on it, and a log of every datagram.</summary>
internal sealed class MdnsTestBed : IAsyncDisposable
{
    private readonly List<MdnsDiscovery> _nodes = [];
    private readonly List<SentPacket> _sent = [];

    /// <param name="time">The clock to share with other in-memory parts (a mesh), else a new one.</param>
    public MdnsTestBed(FakeTimeProvider? time = null)
    {
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Start = Time.GetUtcNow();
        Network = new InMemoryMdnsNetwork(Time, TimeSpan.FromMilliseconds(1));
        Network.Sent += (sender, destination, payload) =>
        {
            if (!DnsMessageParser.TryParse(payload, out var message, out var error))
            {
                throw new InvalidOperationException("a node sent a packet it cannot parse: " + error);
            }

            lock (_sent)
            {
                _sent.Add(new SentPacket(Time.GetUtcNow() - Start, sender.Address, destination, message, payload.Length));
            }
        };
    }

    public FakeTimeProvider Time { get; }

    /// <summary>When the bed was made: <see cref="SentPacket.At"/> counts from here.</summary>
    public DateTimeOffset Start { get; }

    public InMemoryMdnsNetwork Network { get; }

    public IReadOnlyList<SentPacket> Sent
    {
        get
        {
            lock (_sent)
            {
                return _sent.ToList();
            }
        }
    }

    public static MdnsOptions Options() => new()
    {
        ProbeInitialDelayMax = TimeSpan.Zero,
        SharedResponseDelayMin = TimeSpan.FromMilliseconds(20),
        SharedResponseDelayMax = TimeSpan.FromMilliseconds(20),
    };

    public static MdnsAdvertisement Advertisement(string nodeId, string name = "node", string meshId = "mesh-1", int gossipPort = 9419, int gitPort = 0, params RepoAnnouncement[] repos) =>
        new(nodeId, name, meshId, gossipPort, gitPort, [.. repos]);

    public (MdnsDiscovery Node, RecordingSink Sink, InMemoryMdnsTransport Transport) AddNode(string address, MdnsAdvertisement advertisement, MdnsOptions? options = null)
    {
        var sink = new RecordingSink();
        var (node, transport) = AddNode(address, advertisement, sink, options);
        return (node, sink, transport);
    }

    /// <summary>A node that offers what it finds to <paramref name="sink"/> (a mesh node, say).</summary>
    public (MdnsDiscovery Node, InMemoryMdnsTransport Transport) AddNode(string address, MdnsAdvertisement advertisement, IJoinCandidateSink sink, MdnsOptions? options = null)
    {
        var transport = Network.Attach(IPAddress.Parse(address));
        var node = new MdnsDiscovery(options ?? Options(), advertisement, sink, Time, NullLogger.Instance, transport, random: new Random(1));
        _nodes.Add(node);
        return (node, transport);
    }

    /// <summary>A bare host on the link that sends hand-made packets and records what it receives.</summary>
    public async Task<RawHost> AddRawHostAsync(string address, int port = 5353)
    {
        var transport = Network.Attach(IPAddress.Parse(address));
        transport.Port = port;
        var host = new RawHost(transport);
        await transport.StartAsync(host, CancellationToken.None);
        return host;
    }

    /// <summary>Advances fake time in small steps so timers fire in order.</summary>
    public void Advance(TimeSpan by)
    {
        var step = TimeSpan.FromMilliseconds(1);
        for (var t = TimeSpan.Zero; t < by; t += step)
        {
            Time.Advance(step);
        }
    }

    public IEnumerable<SentPacket> SentBy(string address) => Sent.Where(p => p.Sender.Equals(IPAddress.Parse(address)));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    internal sealed record SentPacket(TimeSpan At, IPAddress Sender, IPEndPoint? Destination, DnsMessage Message, int Bytes)
    {
        public bool IsProbe => !Message.IsResponse && Message.Authorities.Count > 0;

        public bool IsQuery => !Message.IsResponse && Message.Authorities.Count == 0;
    }

    internal sealed class RawHost(InMemoryMdnsTransport transport) : IMdnsPacketHandler
    {
        private readonly List<(MdnsPacket Packet, DnsMessage Message)> _received = [];

        public InMemoryMdnsTransport Transport => transport;

        public IReadOnlyList<(MdnsPacket Packet, DnsMessage Message)> Received
        {
            get
            {
                lock (_received)
                {
                    return _received.ToList();
                }
            }
        }

        public IEnumerable<DnsMessage> ResponsesFrom(string address) =>
            Received.Where(r => r.Message.IsResponse && r.Packet.Source.Address.Equals(IPAddress.Parse(address))).Select(r => r.Message);

        public void Clear()
        {
            lock (_received)
            {
                _received.Clear();
            }
        }

        public void Multicast(DnsMessage message) => transport.SendMulticast(transport.Interfaces[0], DnsMessageEncoder.Encode(message));

        public void Unicast(IPEndPoint destination, DnsMessage message) => transport.SendUnicast(transport.Interfaces[0], destination, DnsMessageEncoder.Encode(message));

        public void OnPacket(MdnsPacket packet)
        {
            if (DnsMessageParser.TryParse(packet.Data, out var message, out _) && !packet.Source.Address.Equals(transport.Address))
            {
                lock (_received)
                {
                    _received.Add((packet, message));
                }
            }
        }

        public void OnInterfacesChanged(IReadOnlyList<MdnsInterface> interfaces)
        {
        }
    }
}
