using PeerMesh.Mesh.Wire;

namespace PeerMesh.Fuzz.Targets;

/// <summary>
/// MeshCodec.Decode with a mesh key. Mutating a sealed datagram only ever reaches the AES-GCM tag check, so
/// the input's first byte chooses: even, the rest is a payload sealed with the right key (fresh nonce and
/// timestamp) and then decoded, which reaches the MessagePack reader behind the key; odd, the rest is the
/// raw datagram (envelope, tag and replay checks).
/// </summary>
internal sealed class SealedGossipCodecTarget : IFuzzTarget
{
    private MeshCodec? _sender;
    private MeshCodec? _receiver;
    private MeshCodec? _roomySender;
    private MeshCodec? _roomyReceiver;

    public string Name => "gossip-sealed";

    public string Description => "gossip decoder with a mesh key (input: mode byte, then payload or datagram)";

    public IEnumerable<byte[]> Seeds()
    {
        var sender = GossipSeeds.Codec(GossipSeeds.Sender.Id, GossipSeeds.NewTime(), sealedMesh: true);
        foreach (var payload in GossipSeeds.Payloads())
        {
            yield return [0, .. payload];
            yield return [1, .. sender.Seal(payload)];
        }
    }

    public Task StartAsync()
    {
        var time = GossipSeeds.NewTime();
        _sender = GossipSeeds.Codec(GossipSeeds.Sender.Id, time, sealedMesh: true, maxDatagramBytes: int.MaxValue);
        _receiver = GossipSeeds.Codec(GossipSeeds.Receiver.Id, time, sealedMesh: true);
        _roomySender = _sender;
        _roomyReceiver = GossipSeeds.Codec(GossipSeeds.Receiver.Id, time, sealedMesh: true, maxDatagramBytes: int.MaxValue);
        return Task.CompletedTask;
    }

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var datagram = (input[0] & 1) == 0 ? _sender!.Seal(input[1..]) : input[1..].ToArray();
        GossipCodecTarget.Check(_receiver!.Decode(datagram), _roomySender!, _roomyReceiver!);
    }
}
