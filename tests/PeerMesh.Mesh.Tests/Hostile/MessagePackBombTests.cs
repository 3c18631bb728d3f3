using PeerMesh.Mesh.Wire;
using Xunit;

namespace PeerMesh.Mesh.Tests.Hostile;

/// <summary>
/// HOSTILE-INPUTS 4 on <see cref="MeshCodec"/>: MessagePack bombs inside a well-formed envelope are
/// dropped as malformed, without exceptions and without allocating what they claim.
/// </summary>
public sealed class MessagePackBombTests
{
    private const string SenderId = "00112233445566778899aabbccddeeff";
    private const string ReceiverId = "ffeeddccbbaa99887766554433221100";

    public static TheoryData<string, byte[]> Bombs()
    {
        var data = new TheoryData<string, byte[]>();

        // Gossip [updates: [ [ [ ... ] ] ] ]: 1300 nested one-element arrays where an update is expected.
        data.Add("arrays nested 1300 deep", [0x92, 0x03, 0x91, .. Enumerable.Repeat((byte)0x91, 1300), 0xC0]);

        // Gossip with a key of a later version: 1300 nested one-element arrays where a reader skips.
        data.Add("arrays nested 1300 deep in an unknown key", [0x92, 0x03, 0x92, 0xC0, .. Enumerable.Repeat((byte)0x91, 1300), 0xC0]);

        // Nested maps where an update is expected.
        byte[] maps = [0x92, 0x03, 0x91, .. Enumerable.Range(0, 600).SelectMany(_ => new byte[] { 0x81, 0x00 }), 0xC0];
        data.Add("maps nested 600 deep", maps);

        // An update given as a map of 400 entries all with the same key (hash-collision style).
        byte[] sameKeys = [0x92, 0x03, 0x91, 0xDE, 0x01, 0x90, .. Enumerable.Range(0, 400).SelectMany(_ => new byte[] { 0xA1, (byte)'k', 0x01 })];
        data.Add("map with 400 identical keys", sameKeys);

        // Declared lengths far beyond the data.
        data.Add("str32 claiming 2 GiB", [0x92, 0x00, 0x95, 0x01, 0xDB, 0x7F, 0xFF, 0xFF, 0xFF, 0x41]);
        data.Add("bin32 claiming 2 GiB", [0x92, 0x03, 0x91, 0x9C, 0xA1, 0x61, 0x00, 0x00, 0xC6, 0x7F, 0xFF, 0xFF, 0xFF, 0x00]);
        data.Add("map32 claiming 2^31 entries", [0x92, 0x03, 0xDF, 0x7F, 0xFF, 0xFF, 0xFF, 0x00]);
        data.Add("ext32 claiming 2 GiB", [0x92, 0x03, 0x91, 0xC9, 0x7F, 0xFF, 0xFF, 0xFF, 0x01]);
        data.Add("union case out of range", [0x92, 0x7F, 0x90]);
        data.Add("union case negative", [0x92, 0xFF, 0x90]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Bombs))]
    public void Decode_Bomb_MalformedWithoutThrowing(string description, byte[] payload)
    {
        var header = Codec(SenderId).Encode(new GossipMessage())[..MeshCodec.HeaderSize];
        var before = GC.GetAllocatedBytesForCurrentThread();

        var result = Codec(ReceiverId).Decode(header.Concat(payload).ToArray());

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(result.DropReason == DropReason.Malformed, $"{description}: {result.DropReason ?? "decoded"}");
        Assert.True(allocated < 1_000_000, $"{description}: allocated {allocated} bytes");
    }

    private static MeshCodec Codec(string localId) => new("peermesh", localId, null, TimeSpan.FromSeconds(60), TimeProvider.System, 1400);
}
