using System.Net;
using PeerMesh.Discovery.Dns;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Mesh.Membership;
using Xunit;

namespace PeerMesh.Discovery.Tests.Mdns;

public sealed class MdnsBrowserTests
{
    private const string A = "198.18.0.1";
    private const string B = "198.18.0.2";
    private const string Q = "198.18.0.9";

    private static readonly DnsName s_service = DnsName.Parse("_peermesh._udp.local");

    [Fact]
    public async Task TwoNodes_SameMesh_EachOffersTheOtherOnce()
    {
        await using var bed = new MdnsTestBed();
        var (a, sinkA, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice", gossipPort: 7001));
        var (b, sinkB, _) = bed.AddNode(B, MdnsTestBed.Advertisement("bb02", "bob", gossipPort: 7002));

        await a.StartAsync(TestContext.Current.CancellationToken);
        await b.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([(new IPEndPoint(IPAddress.Parse(B), 7002), DiscoverySource.Mdns, (string?)"bb02")], sinkA.Offers);
        Assert.Equal([(new IPEndPoint(IPAddress.Parse(A), 7001), DiscoverySource.Mdns, (string?)"aa01")], sinkB.Offers);

        bed.Advance(TimeSpan.FromMinutes(10));
        Assert.Single(sinkA.Offers);
        Assert.Equal(1, a.Status.PeersFound);
    }

    [Fact]
    public async Task PeerWithOnlyLinkLocalIpv6_IsOfferedWithScopeOfTheInterface()
    {
        await using var bed = new MdnsTestBed();
        var (a, sinkA, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice", gossipPort: 7001));
        var (b, _, transportB) = bed.AddNode("fe80::2", MdnsTestBed.Advertisement("bb02", "bob", gossipPort: 7002));

        await a.StartAsync(TestContext.Current.CancellationToken);
        await b.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(1));

        var offer = Assert.Single(sinkA.Offers);
        Assert.Equal((new IPEndPoint(new IPAddress(IPAddress.Parse("fe80::2").GetAddressBytes(), transportB.InterfaceIndex), 7002), "bb02"), (offer.EndPoint, offer.NodeId));
    }

    [Fact]
    public async Task PeerWithBothFamilies_IsOfferedWithItsIpv4Address()
    {
        await using var bed = new MdnsTestBed();
        var (a, sinkA, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice", gossipPort: 7001));
        var (b, _, transportB) = bed.AddNode("fe80::2", MdnsTestBed.Advertisement("bb02", "bob", gossipPort: 7002));
        transportB.SetInterfaces([new MdnsInterface(transportB.InterfaceIndex, "mem0", [IPAddress.Parse("fe80::2"), IPAddress.Parse(B)])]);

        await a.StartAsync(TestContext.Current.CancellationToken);
        await b.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal((new IPEndPoint(IPAddress.Parse(B), 7002), "bb02"), (Assert.Single(sinkA.Offers).EndPoint, sinkA.Offers[0].NodeId));
    }

    [Fact]
    public async Task NodeStartingLater_IsFoundFromItsAnnouncement()
    {
        await using var bed = new MdnsTestBed();
        var (a, sinkA, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice"));
        await a.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromMinutes(5));
        var (b, _, _) = bed.AddNode(B, MdnsTestBed.Advertisement("bb02", "bob"));

        await b.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromMilliseconds(760));

        Assert.Equal("bb02", Assert.Single(sinkA.Offers).NodeId);
    }

    [Fact]
    public async Task Start_FirstQuery_GoesOutAtOnceWithQuBitBeforeAnyProbe()
    {
        await using var bed = new MdnsTestBed();
        var (a, _, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice"));

        await a.StartAsync(TestContext.Current.CancellationToken);

        // No time has passed: the query went out inside StartAsync; the probes wait for their timer.
        var query = Assert.Single(bed.SentBy(A));
        Assert.True(query.IsQuery);
        Assert.Equal(TimeSpan.Zero, query.At);
        var question = Assert.Single(query.Message.Questions);
        Assert.Equal((s_service, DnsRecordType.Ptr, true), (question.Name, question.Type, question.UnicastResponse));
        Assert.False(a.Responder.AllEstablished);
    }

    [Fact]
    public async Task Start_BesideAnEstablishedNode_OffersItBeforeOwnNamesAreProbed()
    {
        await using var bed = new MdnsTestBed();
        var (b, _, _) = bed.AddNode(B, MdnsTestBed.Advertisement("bb02", "bob", gossipPort: 7002));
        await b.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(5));
        var (a, sinkA, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice"));

        await a.StartAsync(TestContext.Current.CancellationToken);
        var started = bed.Time.GetUtcNow();
        while (sinkA.Offers.Count == 0 && bed.Time.GetUtcNow() - started < TimeSpan.FromSeconds(2))
        {
            bed.Advance(TimeSpan.FromMilliseconds(1));
        }

        // The answer to the first query (20 ms shared-answer delay here, 1 ms each way): the join path has bob while
        // alice's own names are still being probed (they take 750 ms).
        Assert.Equal((new IPEndPoint(IPAddress.Parse(B), 7002), "bb02"), (Assert.Single(sinkA.Offers).EndPoint, sinkA.Offers[0].NodeId));
        Assert.Equal(TimeSpan.FromMilliseconds(22), bed.Time.GetUtcNow() - started);
        Assert.False(a.Responder.AllEstablished);
        Assert.DoesNotContain(bed.SentBy(A), p => p.Message.IsResponse);
    }

    [Fact]
    public async Task OtherMesh_IsNotOffered()
    {
        await using var bed = new MdnsTestBed();
        var (a, sinkA, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice", meshId: "mesh-1"));
        var (b, sinkB, _) = bed.AddNode(B, MdnsTestBed.Advertisement("bb02", "bob", meshId: "mesh-2"));

        await a.StartAsync(TestContext.Current.CancellationToken);
        await b.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(5));

        Assert.Empty(sinkA.Offers);
        Assert.Empty(sinkB.Offers);
    }

    [Fact]
    public async Task OwnAnnouncement_IsNotOffered()
    {
        await using var bed = new MdnsTestBed();
        var (a, sinkA, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice"));

        await a.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(5));

        Assert.True(a.Counters.PacketsIn > 0);
        Assert.Empty(sinkA.Offers);
    }

    [Fact]
    public async Task Goodbye_ForgetsPeerAfterOneSecond_AndItsReturnIsOfferedAgain()
    {
        await using var bed = new MdnsTestBed();
        var (a, sinkA, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice"));
        var (b, _, _) = bed.AddNode(B, MdnsTestBed.Advertisement("bb02", "bob"));
        await a.StartAsync(TestContext.Current.CancellationToken);
        await b.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(1, a.Status.PeersFound);

        await b.StopAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(1, a.Status.PeersFound);
        bed.Advance(TimeSpan.FromMilliseconds(600));
        Assert.Equal(0, a.Status.PeersFound);

        var (b2, _, _) = bed.AddNode(B, MdnsTestBed.Advertisement("bb02", "bob"));
        await b2.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(2, sinkA.Offers.Count);
    }

    [Fact]
    public async Task SilentPeer_ExpiresAfterTtl()
    {
        await using var bed = new MdnsTestBed();
        var (a, _, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice"));
        var (b, _, transportB) = bed.AddNode(B, MdnsTestBed.Advertisement("bb02", "bob"));
        await a.StartAsync(TestContext.Current.CancellationToken);
        await b.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(3));

        // B's host vanishes without a goodbye (power cut): it neither answers nor sends.
        transportB.CanSend = false;
        bed.Advance(TimeSpan.FromSeconds(100));
        Assert.Equal(1, a.Status.PeersFound);
        bed.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, a.Status.PeersFound);
    }

    [Fact]
    public async Task LivePeer_StaysThroughRefreshQueries()
    {
        await using var bed = new MdnsTestBed();
        var (a, _, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice"));
        var (b, _, _) = bed.AddNode(B, MdnsTestBed.Advertisement("bb02", "bob"));
        await a.StartAsync(TestContext.Current.CancellationToken);
        await b.StartAsync(TestContext.Current.CancellationToken);

        bed.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(1, a.Status.PeersFound);
        Assert.Equal(1, b.Status.PeersFound);
    }

    [Fact]
    public async Task Queries_FollowBackoffDoublingFromOneSecond()
    {
        await using var bed = new MdnsTestBed();
        var (a, _, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice"));

        await a.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(70));

        var queries = bed.SentBy(A).Where(p => p.IsQuery && p.Message.Questions.Any(q => q.Name.Equals(s_service) && q.Type == DnsRecordType.Ptr)).ToList();
        var gaps = queries.Zip(queries.Skip(1), (x, y) => (int)Math.Round((y.At - x.At).TotalSeconds)).ToList();
        Assert.Equal([1, 2, 4, 8, 16, 32], gaps);
        Assert.Equal(TimeSpan.Zero, queries[0].At);
        Assert.Equal([true, false, false], queries.Take(3).Select(q => q.Message.Questions.Single().UnicastResponse));
    }

    [Fact]
    public async Task Query_ListsKnownPeersAsKnownAnswers()
    {
        await using var bed = new MdnsTestBed();
        var (a, _, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice"));
        var (b, _, _) = bed.AddNode(B, MdnsTestBed.Advertisement("bb02", "bob"));
        await b.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(3));
        await a.StartAsync(TestContext.Current.CancellationToken);

        bed.Advance(TimeSpan.FromSeconds(4));

        var later = bed.SentBy(A).Where(p => p.IsQuery).Skip(1).First();
        Assert.Contains(later.Message.Answers, r => ((PtrRecordData)r.Data).Target.Equals(s_service.Prepend("bob")));
        Assert.All(later.Message.Answers, r => Assert.InRange(r.Ttl, 61u, 120u));
    }

    [Fact]
    public async Task PtrWithoutSrvAndTxt_AsksForThem_ThenOffers()
    {
        await using var bed = new MdnsTestBed();
        var (a, sinkA, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice"));
        await a.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(2));
        var other = await bed.AddRawHostAsync(Q);
        var instance = s_service.Prepend("carol");
        var host = DnsName.Parse("carol.local");

        other.Multicast(DnsMessage.Response([new DnsRecord(s_service, DnsRecordType.Ptr, 120, new PtrRecordData(instance))]));
        bed.Advance(TimeSpan.FromMilliseconds(10));

        var asked = bed.SentBy(A).Last().Message;
        Assert.Equal([DnsRecordType.Srv, DnsRecordType.Txt], asked.Questions.Select(q => q.Type));
        Assert.All(asked.Questions, q => Assert.Equal(instance, q.Name));
        Assert.Empty(sinkA.Offers);

        other.Multicast(DnsMessage.Response(
        [
            new DnsRecord(instance, DnsRecordType.Srv, 120, new SrvRecordData(0, 0, 7003, host), CacheFlush: true),
            new DnsRecord(instance, DnsRecordType.Txt, 120, TxtRecordData.FromPairs(new KeyValuePair<string, string>("id", "cc03"), new KeyValuePair<string, string>("mesh", MdnsMeshHash.Compute("mesh-1"))), CacheFlush: true),
        ]));
        bed.Advance(TimeSpan.FromMilliseconds(10));

        // No A record for carol.local: the address the SRV came from is used.
        Assert.Equal((new IPEndPoint(IPAddress.Parse(Q), 7003), DiscoverySource.Mdns, (string?)"cc03"), Assert.Single(sinkA.Offers));
    }

    [Fact]
    public async Task Response_FromOffLinkSourceWithTtl255_NotCachedNotOffered()
    {
        await using var bed = new MdnsTestBed();
        var (a, sinkA, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice"));
        await a.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(2));
        var offLink = await bed.AddRawHostAsync("198.19.0.9");
        var instance = s_service.Prepend("carol");
        var host = DnsName.Parse("carol.local");

        offLink.Multicast(DnsMessage.Response(
        [
            new DnsRecord(s_service, DnsRecordType.Ptr, 120, new PtrRecordData(instance)),
            new DnsRecord(instance, DnsRecordType.Srv, 120, new SrvRecordData(0, 0, 7003, host), CacheFlush: true),
            new DnsRecord(instance, DnsRecordType.Txt, 120, TxtRecordData.FromPairs(new KeyValuePair<string, string>("id", "cc03"), new KeyValuePair<string, string>("mesh", MdnsMeshHash.Compute("mesh-1"))), CacheFlush: true),
            new DnsRecord(host, DnsRecordType.A, 120, new AddressRecordData(IPAddress.Parse("198.19.0.9")), CacheFlush: true),
        ]));
        bed.Advance(TimeSpan.FromSeconds(1));

        Assert.Empty(sinkA.Offers);
        Assert.DoesNotContain(a.Browser.Peers, p => p.NodeId == "cc03");
        Assert.Equal(1, a.Counters.DropCount("off-link source"));
    }

    [Theory]
    [InlineData("0.0.0.0", "198.18.0.9", false)]
    [InlineData("224.0.0.251", "198.18.0.9", false)]
    [InlineData("255.255.255.255", "198.18.0.9", false)]
    [InlineData("127.0.0.1", "198.18.0.9", false)]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("198.18.0.3", "198.18.0.9", true)]
    [InlineData("fe80::1", "198.18.0.9", false)]
    public void IsUsable_Address_FiltersUnusable(string address, string source, bool expected) =>
        Assert.Equal(expected, MdnsBrowser.IsUsable(IPAddress.Parse(address), IPAddress.Parse(source)));
}
