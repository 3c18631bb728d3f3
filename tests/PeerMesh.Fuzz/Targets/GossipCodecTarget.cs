using PeerMesh.Mesh.Wire;

namespace PeerMesh.Fuzz.Targets;

/// <summary>
/// MeshCodec.Decode on an open mesh: the input is the whole datagram. Every input is either a message or a
/// drop reason; a decoded message can be written again and read back as the same kind.
/// </summary>
internal sealed class GossipCodecTarget : IFuzzTarget
{
    private MeshCodec? _receiver;
    private MeshCodec? _roomySender;
    private MeshCodec? _roomyReceiver;

    public string Name => "gossip";

    public string Description => "gossip decoder, open mesh (input: a whole datagram)";

    public IEnumerable<byte[]> Seeds() => GossipSeeds.OpenDatagrams();

    public Task StartAsync()
    {
        var time = GossipSeeds.NewTime();
        _receiver = GossipSeeds.Codec(GossipSeeds.Receiver.Id, time, sealedMesh: false);

        // Re-encoding may grow a message (invalid UTF-8 comes back as 3-byte replacement characters): no size cap there.
        _roomySender = GossipSeeds.Codec(GossipSeeds.Sender.Id, time, sealedMesh: false, maxDatagramBytes: int.MaxValue);
        _roomyReceiver = GossipSeeds.Codec(GossipSeeds.Receiver.Id, time, sealedMesh: false, maxDatagramBytes: int.MaxValue);
        return Task.CompletedTask;
    }

    public void Run(ReadOnlySpan<byte> input) => Check(_receiver!.Decode(input.ToArray()), _roomySender!, _roomyReceiver!);

    /// <summary>The codec's promises for one result, shared with the sealed target.</summary>
    public static void Check(DecodeResult result, MeshCodec roomySender, MeshCodec roomyReceiver)
    {
        if ((result.Message is null) == (result.DropReason is null))
        {
            throw new FuzzFindingException($"decode gave message {result.Message?.GetType().Name ?? "null"} and drop reason {result.DropReason ?? "null"}");
        }

        if (result.Message is null)
        {
            return;
        }

        var again = roomyReceiver.Decode(roomySender.Encode(result.Message));
        if (again.Message?.GetType() != result.Message.GetType())
        {
            throw new FuzzFindingException($"a decoded {result.Message.GetType().Name} did not read back after re-encoding: {again.DropReason}");
        }
    }
}
