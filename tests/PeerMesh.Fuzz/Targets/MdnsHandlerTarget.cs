using System.Net;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Discovery.Mdns.InMemory;

namespace PeerMesh.Fuzz.Targets;

/// <summary>
/// A running MdnsDiscovery (responder, browser, cache, scheduler) on the in-memory link: the input is delivered
/// as a packet from 198.18.0.9 on the node's interface, with an on-link TTL. The node lives for the whole run
/// and virtual time moves on, so answers, probes and expiries run too. A finding is an exception the handler
/// caught and logged ("handler error") or one that escaped.
/// </summary>
internal sealed class MdnsHandlerTarget : IFuzzTarget
{
    private static readonly IPEndPoint s_source = new(IPAddress.Parse("198.18.0.9"), 5353);
    private static readonly IPEndPoint s_peer = new(IPAddress.Parse("198.18.0.2"), 5353);

    private List<byte[]> _seeds = [];
    private FakeTimeProvider? _time;
    private InMemoryMdnsTransport? _transport;
    private long _inputs;

    public string Name => "mdns";

    public string Description => "a running mDNS responder and browser's packet handler (input: a UDP payload)";

    public IEnumerable<byte[]> Seeds() => _seeds;

    public async Task StartAsync()
    {
        _seeds = await MdnsSeeds.PacketsAsync();
        _time = new FakeTimeProvider();
        var network = new InMemoryMdnsNetwork(_time, TimeSpan.FromMilliseconds(1));
        _transport = network.Attach(IPAddress.Parse("198.18.0.1"));
        var node = MdnsSeeds.Node(_transport, _time, MdnsSeeds.Advertisement("aa01", "alice"), ThrowingLogger<MdnsDiscovery>.Instance);
        await node.StartAsync(CancellationToken.None);
        for (var t = 0; t < 3000; t += 5)
        {
            _time.Advance(TimeSpan.FromMilliseconds(5));
        }
    }

    public void Run(ReadOnlySpan<byte> input)
    {
        _inputs++;
        _transport!.Deliver(new MdnsPacket(input.ToArray(), _inputs % 2 == 0 ? s_source : s_peer, _transport.InterfaceIndex, 255));
        if (_inputs % 16 == 0)
        {
            _time!.Advance(TimeSpan.FromMilliseconds(20));
        }
    }
}
