using System.Text;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.Security;
using PeerMesh.Mesh.Wire;
using Xunit;

namespace PeerMesh.Mesh.Tests.Hostile;

/// <summary>HOSTILE-INPUTS 8 on <see cref="MeshCodec"/> (sealed mesh): timestamps far off are stale, clock jumps do not reopen replays.</summary>
public sealed class ClockToleranceTests : IDisposable
{
    private const string SenderId = "00112233445566778899aabbccddeeff";
    private const string ReceiverId = "ffeeddccbbaa99887766554433221100";
    private static readonly byte[] s_key = Encoding.ASCII.GetBytes("the mesh key for the clock tests");
    private static readonly DateTimeOffset s_now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    // One ring for the sender's and the receiver's codec: the codec does not own its ring (in the product the node does).
    private readonly MeshKeyRing _ring = new([s_key], "peermesh");

    public void Dispose() => _ring.Dispose();

    [Theory]
    [InlineData(61, true)]
    [InlineData(3600, true)]
    [InlineData(-61, true)]
    [InlineData(59, false)]
    [InlineData(-59, false)]
    public void Decode_SenderClockOffBy_StaleOnlyBeyondTolerance(int offsetSeconds, bool stale)
    {
        var senderTime = new FakeTimeProvider(s_now + TimeSpan.FromSeconds(offsetSeconds));
        var receiverTime = new FakeTimeProvider(s_now);
        var datagram = Codec(SenderId, senderTime).Encode(new AckMessage { Seq = 1 });

        var result = Codec(ReceiverId, receiverTime).Decode(datagram);

        Assert.Equal(stale ? DropReason.Stale : null, result.DropReason);
    }

    [Theory]
    [InlineData(-50)]
    [InlineData(50)]
    public void Decode_ReceiverClockJumpsWithinTolerance_ReplayStillRejected(int jumpSeconds)
    {
        var senderTime = new FakeTimeProvider(s_now);
        var receiverTime = new SettableClock(s_now);
        var receiver = Codec(ReceiverId, receiverTime);
        var datagram = Codec(SenderId, senderTime).Encode(new AckMessage { Seq = 1 });
        Assert.Null(receiver.Decode(datagram).DropReason);

        receiverTime.Now = s_now + TimeSpan.FromSeconds(jumpSeconds);

        Assert.Equal(DropReason.Stale, receiver.Decode(datagram).DropReason);
    }

    [Fact]
    public void ReplayGuard_MoreDatagramsThanItsCapacityWithinTheWindow_ForgottenNonceStillRefused()
    {
        var guard = new ReplayGuard(TimeSpan.FromSeconds(60), capacity: 4);
        const long Now = 1_000_000;
        for (byte i = 0; i < 5; i++)
        {
            Assert.True(guard.TryAccept(Now + i, [i, 1], Now + i));
        }

        Assert.False(guard.TryAccept(Now, [0, 1], Now + 10));
        Assert.False(guard.TryAccept(Now + 4, [4, 1], Now + 10));
        Assert.True(guard.TryAccept(Now + 11, [9, 1], Now + 11));
    }

    private MeshCodec Codec(string id, TimeProvider time) =>
        new("peermesh", id, _ring, TimeSpan.FromSeconds(60), time, 1400);
}
