using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Discovery.Seeds;
using PeerMesh.Mesh.Membership;
using PeerMesh.TestSupport.Mesh;
using Xunit;

namespace PeerMesh.Discovery.Tests.Seeds;

/// <summary>
/// The resolver answers synchronously, so every step of the joiner's loop up to its next delay runs inside
/// StartAsync or the fake clock's Advance: no waiting needed.
/// </summary>
public sealed class SeedJoinerTests
{
    private static readonly IPEndPoint s_a = new(IPAddress.Parse("192.0.2.1"), 9419);
    private static readonly IPEndPoint s_b = new(IPAddress.Parse("192.0.2.2"), 9419);
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingCandidateSink _sink = new();
    private readonly FakeMembershipView _view = new();
    private readonly List<string> _lookups = [];
    private IPAddress[] _dnsAnswer = [s_a.Address];
    private Exception? _dnsError;

    private SeedJoiner Joiner(params string[] seeds) => new(
        seeds.Select(s => SeedAddress.Parse(s)),
        _sink,
        _view,
        _time,
        NullLogger<SeedJoiner>.Instance,
        new SeedJoinerOptions { Jitter = 0 },
        (host, _) =>
        {
            _lookups.Add(host);
            return _dnsError is null ? Task.FromResult(_dnsAnswer) : Task.FromException<IPAddress[]>(_dnsError);
        });

    [Fact]
    public async Task Start_OffersSeedAtOnceAsSeedSource()
    {
        await using var joiner = Joiner("alice.lan:9419");

        await joiner.StartAsync(TestContext.Current.CancellationToken);

        var offer = Assert.Single(_sink.Offers);
        Assert.Equal((s_a, DiscoverySource.Seed, (string?)null), offer);
    }

    [Fact]
    public async Task NotJoined_RetriesWithDoublingBackoffAndResolvesEachTime()
    {
        await using var joiner = Joiner("alice.lan:9419");
        await joiner.StartAsync(TestContext.Current.CancellationToken);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, _sink.Offers.Count);
        _time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal(2, _sink.Offers.Count);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(3, _sink.Offers.Count);
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(4, _sink.Offers.Count);

        Assert.Equal(4, _lookups.Count);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(8), Assert.Single(joiner.Status).NextAttempt);
    }

    [Fact]
    public async Task DnsAnswerChanges_NextTryUsesNewAddress()
    {
        await using var joiner = Joiner("alice.lan:9419");
        await joiner.StartAsync(TestContext.Current.CancellationToken);

        _dnsAnswer = [s_b.Address];
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(s_b, _sink.Offers[^1].EndPoint);
    }

    [Fact]
    public async Task Joined_StopsOfferingThenChecksSlowlyAndRetriesWhenGone()
    {
        await using var joiner = Joiner("alice.lan:9419");
        await joiner.StartAsync(TestContext.Current.CancellationToken);
        _view.Set(FakeMembershipView.Alive("00112233445566778899aabbccddeeff", s_a));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(_sink.Offers);
        Assert.True(Assert.Single(joiner.Status).Joined);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Single(_sink.Offers);

        _view.Set();
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(2, _sink.Offers.Count);
        Assert.False(Assert.Single(joiner.Status).Joined);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(1), joiner.Status[0].NextAttempt);
    }

    [Fact]
    public async Task Status_NobodyAnswersTheOffer_NoAnswerFromTheSecondTryUntilJoined()
    {
        await using var joiner = Joiner("alice.lan:9419");
        await joiner.StartAsync(TestContext.Current.CancellationToken);

        // Offered once, no verdict yet.
        Assert.Null(joiner.Status[0].LastError);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(SeedJoiner.NoAnswer, joiner.Status[0].LastError);
        Assert.Equal(2, joiner.Status[0].Attempts);

        _view.Set(FakeMembershipView.Alive("00112233445566778899aabbccddeeff", s_a));
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.True(joiner.Status[0].Joined);
        Assert.Null(joiner.Status[0].LastError);
    }

    [Fact]
    public async Task DnsFails_ErrorInStatusAndRetried()
    {
        _dnsError = new SocketException((int)SocketError.HostNotFound);
        await using var joiner = Joiner("nowhere.lan:9419");
        await joiner.StartAsync(TestContext.Current.CancellationToken);

        Assert.Empty(_sink.Offers);
        Assert.Contains("cannot resolve nowhere.lan", joiner.Status[0].LastError, StringComparison.Ordinal);

        _dnsError = null;
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Single(_sink.Offers);
        Assert.Null(joiner.Status[0].LastError);
    }

    [Fact]
    public async Task LiteralAddress_NotResolved()
    {
        await using var joiner = Joiner("192.0.2.2:9419");

        await joiner.StartAsync(TestContext.Current.CancellationToken);

        Assert.Empty(_lookups);
        Assert.Equal(s_b, Assert.Single(_sink.Offers).EndPoint);
    }

    [Fact]
    public async Task Stop_EndsLoop()
    {
        var joiner = Joiner("alice.lan:9419");
        await joiner.StartAsync(TestContext.Current.CancellationToken);

        await joiner.DisposeAsync();
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Single(_sink.Offers);
    }
}
