using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Discovery.Seeds;
using PeerMesh.Mesh.Membership;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Discovery.Tests.Seeds;

public sealed class LastKnownPeersTests : IDisposable
{
    private const string IdA = "00112233445566778899aabbccddeeff";
    private const string IdB = "ffeeddccbbaa99887766554433221100";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "peermesh-lkp-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeMembershipView _view = new();

    public LastKnownPeersTests()
    {
        // The git directory: the node's state folder is made inside it.
        Directory.CreateDirectory(_dir);
    }

    private string FilePath => Path.Combine(_dir, "peermesh", "peers.json");

    private LastKnownPeers Store() => new(FilePath, _view, _time, NullLogger<LastKnownPeers>.Instance);

    [Fact]
    public void SaveThenOfferAll_LiveMembersOfferedAsLastKnownWithId()
    {
        var store = Store();
        var dead = FakeMembershipView.Alive(IdB, new IPEndPoint(IPAddress.Parse("192.0.2.2"), 9) ) with { State = MemberState.Dead };
        store.Save(new MembershipSnapshot(1, [FakeMembershipView.Alive(IdA, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 9419)), dead]));
        var sink = new RecordingCandidateSink();

        var count = Store().OfferAll(sink);

        Assert.Equal(1, count);
        Assert.Equal((new IPEndPoint(IPAddress.Parse("192.0.2.1"), 9419), DiscoverySource.LastKnown, (string?)IdA), Assert.Single(sink.Offers));
    }

    [Fact]
    public void Save_PeerNoLongerLive_KeptWithinRetentionThenForgotten()
    {
        var store = Store();
        store.Save(new MembershipSnapshot(1, [FakeMembershipView.Alive(IdA, new IPEndPoint(IPAddress.Loopback, 1))]));

        _time.Advance(TimeSpan.FromDays(1));
        store.Save(new MembershipSnapshot(2, [FakeMembershipView.Alive(IdB, new IPEndPoint(IPAddress.Loopback, 2))]));
        Assert.Equal([IdB, IdA], store.Load().Select(p => p.Id));

        _time.Advance(TimeSpan.FromDays(7));
        store.Save(new MembershipSnapshot(3, [FakeMembershipView.Alive(IdB, new IPEndPoint(IPAddress.Loopback, 2))]));
        Assert.Equal([IdB], store.Load().Select(p => p.Id));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"version\":99,\"peers\":[]}")]
    [InlineData("{\"version\":1,\"peers\":[{\"id\":\"x\",\"address\":\"0.0.0.0\",\"port\":1,\"lastSeen\":\"2026-01-01T00:00:00Z\"},{\"id\":\"y\",\"address\":\"garbage\",\"port\":1,\"lastSeen\":\"2026-01-01T00:00:00Z\"}]}")]
    public void Load_CorruptOrUnusable_Empty(string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        File.WriteAllText(FilePath, content);

        Assert.Empty(Store().Load());
    }

    /// <summary>The repository was moved away (case 35): saving must not bring its old place back as a stray folder.</summary>
    [Fact]
    public async Task Save_GitDirectoryGone_NothingCreatedAtTheOldPlace()
    {
        var gone = Path.Combine(_dir, "moved-away");
        await using var store = new LastKnownPeers(Path.Combine(gone, "peermesh", "peers.json"), _view, _time, NullLogger<LastKnownPeers>.Instance);

        store.Save(new MembershipSnapshot(1, [FakeMembershipView.Alive(IdA, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 9419))]));

        Assert.False(Directory.Exists(gone));
    }

    [Fact]
    public void Load_Missing_Empty() => Assert.Empty(Store().Load());

    [Fact]
    public async Task Run_MembershipChanges_SavedAndSavedAgainAtStop()
    {
        var store = Store();
        await store.StartAsync(TestContext.Current.CancellationToken);

        _view.Set(FakeMembershipView.Alive(IdA, new IPEndPoint(IPAddress.Loopback, 1)));
        await Poll.UntilAsync("the first membership saved", () => store.Load().Count > 0, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal([IdA], store.Load().Select(p => p.Id));
        _view.Set(FakeMembershipView.Alive(IdA, new IPEndPoint(IPAddress.Loopback, 1)), FakeMembershipView.Alive(IdB, new IPEndPoint(IPAddress.Loopback, 2)));
        await store.DisposeAsync();

        Assert.Equal(2, store.Load().Count);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
