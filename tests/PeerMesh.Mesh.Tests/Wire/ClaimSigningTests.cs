using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Wire;
using Xunit;

namespace PeerMesh.Mesh.Tests.Wire;

public sealed class ClaimSigningTests : IDisposable
{
    private const string Subject = "00112233445566778899aabbccddeeff";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "peermesh-claim-" + Guid.NewGuid().ToString("N"));
    private readonly NodeIdentity _claimant;
    private readonly NodeIdentity _other;

    public ClaimSigningTests()
    {
        _claimant = NodeIdentity.LoadOrCreate(Path.Combine(_root, "claimant"));
        _other = NodeIdentity.LoadOrCreate(Path.Combine(_root, "other"));
    }

    [Theory]
    [InlineData(UpdateKind.Suspect)]
    [InlineData(UpdateKind.Dead)]
    public void Verify_ClaimAsSigned_True(UpdateKind kind)
    {
        var claim = ClaimSigning.Create(kind, Subject, 1_767_225_600, _claimant);

        Assert.True(ClaimSigning.Verify(claim));
        Assert.Equal(_claimant.Id, claim.From);
    }

    [Fact]
    public void Verify_ClaimThroughTheCodec_StillTrue()
    {
        var claim = ClaimSigning.Create(UpdateKind.Suspect, Subject, 7, _claimant);
        var codec = new MeshCodec("peermesh", _claimant.Id, null, TimeSpan.FromSeconds(60), TimeProvider.System, 1400);
        var receiver = new MeshCodec("peermesh", _other.Id, null, TimeSpan.FromSeconds(60), TimeProvider.System, 1400);

        var decoded = Assert.Single(receiver.Decode(codec.Encode(new GossipMessage { Updates = [claim] })).Message!.Updates!);

        Assert.True(ClaimSigning.Verify(decoded));
        Assert.InRange(MeshCodec.SizeOf(claim), 150, 200);
    }

    public static TheoryData<string> Tamperings() => ["kind", "subject", "incarnation", "from", "key", "signature", "unsigned", "self"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public void Verify_AnyFieldChangedOrMissing_False(string change)
    {
        var claim = ClaimSigning.Create(UpdateKind.Suspect, Subject, 7, _claimant);
        switch (change)
        {
            case "kind": claim.Kind = UpdateKind.Dead; break;
            case "subject": claim.NodeId = "ffeeddccbbaa99887766554433221100"; break;
            case "incarnation": claim.Incarnation = long.MaxValue; break;
            case "from": claim.From = _other.Id; break;
            case "key": claim.PublicKey = _other.PublicKey; break;
            case "signature": claim.Signature![0] ^= 1; break;
            case "unsigned": claim.Signature = null; claim.PublicKey = null; break;
            case "self": claim = ClaimSigning.Create(UpdateKind.Suspect, _claimant.Id, 7, _claimant); break;
        }

        Assert.False(ClaimSigning.Verify(claim));
    }

    [Fact]
    public void Verify_AliveSignedByTheSubject_NotAClaim()
    {
        var alive = new MemberUpdate { Kind = UpdateKind.Alive, NodeId = _claimant.Id, Incarnation = 7, Name = "a", Address = [10, 0, 0, 1], Port = 1 };
        UpdateSigning.Sign(alive, _claimant);
        alive.From = _claimant.Id;

        Assert.False(ClaimSigning.Verify(alive));
    }

    public void Dispose()
    {
        _claimant.Dispose();
        _other.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}
