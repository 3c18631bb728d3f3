using System.Diagnostics.CodeAnalysis;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Options;

namespace PeerMesh.Fuzz.Targets;

/// <summary>
/// The whole receive path of a running MeshNode (decode, validation, signatures, merge rules, answers) on a
/// transport that delivers the input as a datagram from one of three sources (10.0.0.2, 10.0.0.3, fe80::2,
/// chosen by the input's length). The node lives for the whole run, so its table fills with whatever the fuzzer
/// makes up (bounded by its caps). A finding is an exception the node caught and logged (it counts those as
/// malformed) or one that escaped.
/// </summary>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "Started once per fuzzing process and alive until it exits: there is no point at which to release the node.")]
internal sealed class MeshNodeReceiveTarget : IFuzzTarget
{
    private static readonly IPEndPoint[] s_sources =
    [
        new(IPAddress.Parse("10.0.0.2"), 7946),
        new(IPAddress.Parse("10.0.0.3"), 7946),
        new(IPAddress.Parse("fe80::2"), 7946),
    ];

    private readonly CapturingTransport _transport = new();
    private FakeTimeProvider? _time;
    private MeshNode? _node;
    private long _inputs;

    public string Name => "gossip-node";

    public string Description => "a running MeshNode's receive path, open mesh (input: a whole datagram)";

    public IEnumerable<byte[]> Seeds() => GossipSeeds.OpenDatagrams();

    public async Task StartAsync()
    {
        _time = GossipSeeds.NewTime();
        var options = new MeshOptions { MeshId = GossipSeeds.MeshId, MaxDatagramsPerSourcePerSecond = 0 };
        _node = new MeshNode(options, GossipSeeds.Receiver, "fuzzed", _transport, _time, ThrowingLogger<MeshNode>.Instance);
        await _node.StartAsync(CancellationToken.None);
    }

    public void Run(ReadOnlySpan<byte> input)
    {
        // Timers (probes, suspicion, reaping) run too, a little virtual time per input.
        _inputs++;
        _transport.Deliver(s_sources[input.Length % s_sources.Length], input.ToArray());
        if (_inputs % 16 == 0)
        {
            _time!.Advance(TimeSpan.FromMilliseconds(50));
        }
    }
}
