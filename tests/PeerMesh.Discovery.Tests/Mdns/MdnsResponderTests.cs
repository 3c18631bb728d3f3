using System.Net;
using PeerMesh.Discovery.Dns;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Mesh.Membership;
using Xunit;

namespace PeerMesh.Discovery.Tests.Mdns;

public sealed class MdnsResponderTests
{
    private const string A = "198.18.0.1";
    private const string B = "198.18.0.2";
    private const string Q = "198.18.0.9";

    private static readonly DnsName s_service = DnsName.Parse("_peermesh._udp.local");

    [Fact]
    public async Task Start_NoConflict_ProbesThreeTimesThenAnnouncesTwiceOneSecondApart()
    {
        await using var bed = new MdnsTestBed();
        var (node, _, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice"));

        await node.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(10));

        var sent = bed.SentBy(A).Where(p => p.IsProbe || p.Message.IsResponse).ToList();
        Assert.Equal(5, sent.Count);
        Assert.All(sent.Take(3), p => Assert.True(p.IsProbe));
        Assert.InRange(sent[0].At, TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        Assert.Equal([0, 250, 500, 750, 1750], sent.Select(p => (int)(p.At - sent[0].At).TotalMilliseconds));
        Assert.True(sent[0].Message.Questions.All(q => q.UnicastResponse && q.Type == DnsRecordType.Any));
        Assert.Contains(sent[0].Message.Questions, q => q.Name.Equals(s_service.Prepend("alice")));
        var announcement = sent[3].Message;
        Assert.Contains(announcement.Answers, r => r.Type == DnsRecordType.Ptr && r.Name.Equals(s_service) && !r.CacheFlush);
        var srv = Assert.Single(announcement.Answers, r => r.Type == DnsRecordType.Srv);
        Assert.True(srv.CacheFlush);
        Assert.Equal(9419, ((SrvRecordData)srv.Data).Port);
        Assert.Equal(120u, srv.Ttl);
        var txt = ((TxtRecordData)Assert.Single(announcement.Answers, r => r.Type == DnsRecordType.Txt).Data).ToDictionary();
        Assert.Equal("aa01", txt["id"]);
        Assert.Equal("2", txt["v"]);
        Assert.Equal(MdnsMeshHash.Compute("mesh-1"), txt["mesh"]);
        var a = Assert.Single(announcement.Answers, r => r.Type == DnsRecordType.A);
        Assert.Equal(IPAddress.Parse(A), ((AddressRecordData)a.Data).Address);
        Assert.Equal(((SrvRecordData)srv.Data).Target, a.Name);
    }

    [Fact]
    public async Task Start_WithRepos_AnnouncesGitInstancePerRepo()
    {
        await using var bed = new MdnsTestBed();
        var repo = new RepoAnnouncement("0123456789abcdef0123456789abcdef01234567", "project", "/project", "d", 1);
        var (node, _, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice", gitPort: 9418, repos: repo));

        await node.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(1));

        var announcement = bed.SentBy(A).First(p => p.Message.IsResponse).Message;
        var instance = DnsName.Parse("_git._tcp.local").Prepend("project @ alice");
        Assert.Contains(announcement.Answers, r => r.Type == DnsRecordType.Ptr && ((PtrRecordData)r.Data).Target.Equals(instance));
        Assert.Equal(9418, ((SrvRecordData)announcement.Answers.Single(r => r.Type == DnsRecordType.Srv && r.Name.Equals(instance)).Data).Port);
        var txt = ((TxtRecordData)announcement.Answers.Single(r => r.Type == DnsRecordType.Txt && r.Name.Equals(instance)).Data).ToDictionary();
        Assert.Equal(repo.RepoId, txt["repo"]);
        Assert.Equal("/project", txt["path"]);
        Assert.Contains(announcement.Answers, r => r.Name.Equals(DnsName.Parse("_services._dns-sd._udp.local")) && ((PtrRecordData)r.Data).Target.Equals(DnsName.Parse("_git._tcp.local")));
    }

    [Fact]
    public async Task Query_ForServicePtr_AnswersWithSrvTxtAndAddressAsAdditionals()
    {
        await using var bed = new MdnsTestBed();
        var (node, _, _) = await StartedAsync(bed);
        var querier = await bed.AddRawHostAsync(Q);

        querier.Multicast(DnsMessage.Query([new DnsQuestion(s_service, DnsRecordType.Ptr)]));
        bed.Advance(TimeSpan.FromMilliseconds(100));

        var response = Assert.Single(querier.ResponsesFrom(A));
        var ptr = Assert.Single(response.Answers);
        Assert.Equal(s_service.Prepend("alice"), ((PtrRecordData)ptr.Data).Target);
        Assert.Equal([DnsRecordType.Srv, DnsRecordType.Txt, DnsRecordType.A, DnsRecordType.Nsec], response.Additionals.Select(r => r.Type));

        // IPv4 only: the NSEC says there is no AAAA.
        Assert.Equal([DnsRecordType.A], ((NsecRecordData)response.Additionals[3].Data).Types);
    }

    [Fact]
    public async Task Query_WithKnownAnswerOverHalfTtl_IsSuppressed()
    {
        await using var bed = new MdnsTestBed();
        await StartedAsync(bed);
        var querier = await bed.AddRawHostAsync(Q);
        var known = new DnsRecord(s_service, DnsRecordType.Ptr, 61, new PtrRecordData(s_service.Prepend("alice")));

        querier.Multicast(DnsMessage.Query([new DnsQuestion(s_service, DnsRecordType.Ptr)], [known]));
        bed.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(querier.ResponsesFrom(A));

        querier.Multicast(DnsMessage.Query([new DnsQuestion(s_service, DnsRecordType.Ptr)], [known.WithTtl(59)]));
        bed.Advance(TimeSpan.FromSeconds(2));
        Assert.Single(querier.ResponsesFrom(A));
    }

    [Fact]
    public async Task Query_TwiceWithinASecond_MulticastsRecordOnce()
    {
        await using var bed = new MdnsTestBed();
        var (node, _, _) = await StartedAsync(bed);
        var querier = await bed.AddRawHostAsync(Q);
        var question = new DnsQuestion(s_service.Prepend("alice"), DnsRecordType.Srv);

        querier.Multicast(DnsMessage.Query([question]));
        bed.Advance(TimeSpan.FromMilliseconds(300));
        querier.Multicast(DnsMessage.Query([question]));
        bed.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Single(querier.ResponsesFrom(A));
        Assert.Equal(1, node.Counters.DropCount("answer rate-limited"));

        bed.Advance(TimeSpan.FromSeconds(1));
        querier.Multicast(DnsMessage.Query([question]));
        bed.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(2, querier.ResponsesFrom(A).Count());
    }

    [Fact]
    public async Task Query_WithQuBitAfterRecentMulticast_AnswersByUnicast()
    {
        await using var bed = new MdnsTestBed();
        await StartedAsync(bed);
        var querier = await bed.AddRawHostAsync(Q);

        querier.Multicast(DnsMessage.Query([new DnsQuestion(s_service.Prepend("alice"), DnsRecordType.Srv, UnicastResponse: true)]));
        bed.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Single(querier.ResponsesFrom(A));
        var reply = bed.SentBy(A).Last(p => p.Message.IsResponse);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(Q), 5353), reply.Destination);
    }

    [Fact]
    public async Task Query_QuForSharedPtrAfterRecentMulticast_AnswersByUnicastAfterTheSharedDelay()
    {
        await using var bed = new MdnsTestBed();
        await StartedAsync(bed);
        var querier = await bed.AddRawHostAsync(Q);

        // The PTR was announced at 1.75 s (within a quarter of its TTL): unicast, but after the 20 ms every shared answer waits.
        querier.Multicast(DnsMessage.Query([new DnsQuestion(s_service, DnsRecordType.Ptr, UnicastResponse: true)]));
        var asked = bed.Time.GetUtcNow() - bed.Start;
        bed.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Empty(querier.ResponsesFrom(A));
        bed.Advance(TimeSpan.FromMilliseconds(80));

        var response = Assert.Single(querier.ResponsesFrom(A));
        Assert.Equal(s_service.Prepend("alice"), ((PtrRecordData)Assert.Single(response.Answers).Data).Target);
        var reply = bed.SentBy(A).Last(p => p.Message.IsResponse);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(Q), 5353), reply.Destination);
        Assert.Equal(TimeSpan.FromMilliseconds(21), reply.At - asked);
    }

    [Fact]
    public async Task Query_QuFromManySourcesAtOnce_DelaysAtMost64UnicastAnswersAndCountsTheRest()
    {
        await using var bed = new MdnsTestBed();
        var (node, _, _) = await StartedAsync(bed);
        var query = DnsMessageEncoder.Encode(DnsMessage.Query([new DnsQuestion(s_service, DnsRecordType.Ptr, UnicastResponse: true)]));
        var before = bed.SentBy(A).Count();

        for (var i = 0; i < 100; i++)
        {
            bed.Network.Inject(new IPEndPoint(IPAddress.Parse($"198.18.1.{i + 1}"), 5353), query);
        }

        bed.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(64, bed.SentBy(A).Skip(before).Count(p => p.Message.IsResponse && p.Destination is not null));
        Assert.Equal(36, node.Counters.DropCount("unicast answers pending"));
    }

    [Fact]
    public async Task Query_BeforeProbingEnds_OwnNamesAreNotAnsweredThenAreOnceEstablished()
    {
        await using var bed = new MdnsTestBed();
        var (node, _, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice"));
        var querier = await bed.AddRawHostAsync(Q);
        var instance = s_service.Prepend("alice");
        DnsMessage Ask(bool unicast) => DnsMessage.Query(
        [
            new DnsQuestion(s_service, DnsRecordType.Ptr, unicast),
            new DnsQuestion(instance, DnsRecordType.Srv, unicast),
            new DnsQuestion(instance, DnsRecordType.Txt, unicast),
            new DnsQuestion(node.Responder.HostName, DnsRecordType.Any, unicast),
        ]);

        await node.StartAsync(TestContext.Current.CancellationToken);

        // Probes at 0, 250 and 500 ms; the names are ours from 750 ms. Asked all along, by multicast and unicast.
        for (var at = 0; at < 700; at += 100)
        {
            querier.Multicast(Ask(unicast: false));
            querier.Multicast(Ask(unicast: true));
            querier.Unicast(new IPEndPoint(IPAddress.Parse(A), 5353), Ask(unicast: false));
            bed.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.False(node.Responder.AllEstablished);
        Assert.DoesNotContain(bed.SentBy(A), p => p.Message.IsResponse);
        Assert.Empty(querier.ResponsesFrom(A));

        bed.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(node.Responder.AllEstablished);

        // After the second announcement (1.75 s) and the once-a-second limit, the same question is answered.
        bed.Advance(TimeSpan.FromSeconds(2));
        querier.Clear();
        querier.Multicast(Ask(unicast: false));
        bed.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Contains(querier.ResponsesFrom(A), r => r.Answers.Any(a => a.Type == DnsRecordType.Srv && a.Name.Equals(instance)));
    }

    [Fact]
    public async Task Query_FromLegacyPort_AnswersUnicastWithIdQuestionAndShortTtl()
    {
        await using var bed = new MdnsTestBed();
        await StartedAsync(bed);
        var resolver = await bed.AddRawHostAsync(Q, port: 40000);
        var question = new DnsQuestion(s_service.Prepend("alice"), DnsRecordType.Srv);

        resolver.Multicast(new DnsMessage(0x1234, 0, [question], [], [], []));
        bed.Advance(TimeSpan.FromMilliseconds(100));

        var response = Assert.Single(resolver.ResponsesFrom(A));
        Assert.Equal(0x1234, response.Id);
        Assert.Equal(question.Name, Assert.Single(response.Questions).Name);
        var srv = Assert.Single(response.Answers);
        Assert.Equal(10u, srv.Ttl);
        Assert.False(srv.CacheFlush);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(Q), 40000), bed.SentBy(A).Last(p => p.Message.IsResponse).Destination);
    }

    [Fact]
    public async Task Start_NameAlreadyAnnounced_RenamesToNameTwo()
    {
        await using var bed = new MdnsTestBed();
        var (first, _, _) = await StartedAsync(bed);
        var (second, _, _) = bed.AddNode(B, MdnsTestBed.Advertisement("bb02", "alice"));

        await second.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("alice", first.Status.InstanceName);
        Assert.Equal("alice (2)", second.Status.InstanceName);
        Assert.True(second.Responder.AllEstablished);
    }

    [Fact]
    public async Task Start_TwoNodesSameNameAtOnce_EndWithDistinctNames()
    {
        await using var bed = new MdnsTestBed();
        var (first, _, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice"));
        var (second, _, _) = bed.AddNode(B, MdnsTestBed.Advertisement("bb02", "alice"));

        await first.StartAsync(TestContext.Current.CancellationToken);
        await second.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(["alice", "alice (2)"], new[] { first.Status.InstanceName!, second.Status.InstanceName! }.Order());
        Assert.True(first.Responder.AllEstablished && second.Responder.AllEstablished);
    }

    [Fact]
    public async Task Stop_Running_SendsGoodbyeWithTtlZero()
    {
        await using var bed = new MdnsTestBed();
        var (node, _, _) = await StartedAsync(bed);

        await node.StopAsync(TestContext.Current.CancellationToken);

        var goodbye = bed.SentBy(A).Last().Message;
        Assert.True(goodbye.IsResponse);
        Assert.Contains(goodbye.Answers, r => r.Type == DnsRecordType.Srv);
        Assert.All(goodbye.Answers, r => Assert.Equal(0u, r.Ttl));
    }

    [Fact]
    public async Task UpdateAdvertisement_PortChanged_ReannouncesTwice()
    {
        await using var bed = new MdnsTestBed();
        var (node, _, _) = await StartedAsync(bed);
        var before = bed.SentBy(A).Count();

        node.UpdateAdvertisement(MdnsTestBed.Advertisement("aa01", "alice", gossipPort: 9500));
        bed.Advance(TimeSpan.FromSeconds(5));

        var after = bed.SentBy(A).Skip(before).Where(p => p.Message.IsResponse).ToList();
        Assert.Equal(2, after.Count);
        Assert.All(after, p => Assert.Equal(9500, ((SrvRecordData)p.Message.Answers.Single(r => r.Type == DnsRecordType.Srv).Data).Port));
        Assert.Equal(TimeSpan.FromSeconds(1), after[1].At - after[0].At);
    }

    [Fact]
    public async Task UpdateAdvertisement_OnlyRefsDigestChanged_SendsNothing()
    {
        await using var bed = new MdnsTestBed();
        var repo = new RepoAnnouncement("0123", "project", "/project", "d1", 1);
        var (node, _, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice", gitPort: 9418, repos: repo));
        await node.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(3));
        var before = bed.SentBy(A).Count(p => p.Message.IsResponse);

        node.UpdateAdvertisement(MdnsTestBed.Advertisement("aa01", "alice", gitPort: 9418, repos: repo with { RefsDigest = "d2", RefsVersion = 2 }));
        bed.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(before, bed.SentBy(A).Count(p => p.Message.IsResponse));
    }

    [Fact]
    public async Task UpdateAdvertisement_RepoRemoved_SendsGoodbyeForIt()
    {
        await using var bed = new MdnsTestBed();
        var repo = new RepoAnnouncement("0123", "project", "/project", "d", 1);
        var (node, _, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice", gitPort: 9418, repos: repo));
        await node.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(3));
        var before = bed.SentBy(A).Count();

        node.UpdateAdvertisement(MdnsTestBed.Advertisement("aa01", "alice", gitPort: 9418));
        bed.Advance(TimeSpan.FromMilliseconds(10));

        var goodbye = bed.SentBy(A).Skip(before).First().Message;
        Assert.All(goodbye.Answers, r => Assert.Equal(0u, r.Ttl));
        Assert.Contains(goodbye.Answers, r => r.Type == DnsRecordType.Srv && r.Name.IsSubdomainOf(DnsName.Parse("_git._tcp.local")));
        Assert.DoesNotContain(goodbye.Answers, r => r.Name.IsSubdomainOf(s_service));
    }

    [Fact]
    public async Task InterfacesChanged_NewAddress_AnnouncesTwiceWithIt()
    {
        await using var bed = new MdnsTestBed();
        var (node, _, transport) = await StartedAsync(bed);
        var before = bed.SentBy(A).Count(p => p.Message.IsResponse);

        transport.SetInterfaces([new MdnsInterface(1, "mem0", [IPAddress.Parse(A), IPAddress.Parse("198.18.5.5")])]);
        bed.Advance(TimeSpan.FromSeconds(3));

        var announcements = bed.SentBy(A).Where(p => p.Message.IsResponse).Skip(before).ToList();
        Assert.Equal(2, announcements.Count);
        Assert.All(announcements, p => Assert.Contains(p.Message.Answers, r => r.Data is AddressRecordData a && a.Address.Equals(IPAddress.Parse("198.18.5.5"))));
    }

    [Fact]
    public async Task Query_OffLinkTtl_IsDroppedAndNotAnswered()
    {
        await using var bed = new MdnsTestBed();
        var (node, _, _) = await StartedAsync(bed);
        var querier = await bed.AddRawHostAsync(Q);

        bed.Network.Inject(new IPEndPoint(IPAddress.Parse(Q), 5353), DnsMessageEncoder.Encode(DnsMessage.Query([new DnsQuestion(s_service, DnsRecordType.Ptr)])), ipTtl: 64);
        bed.Advance(TimeSpan.FromMilliseconds(200));

        Assert.Empty(querier.ResponsesFrom(A));
        Assert.Equal(1, node.Counters.DropCount("off-link (IP TTL not 255)"));
    }

    [Fact]
    public async Task Query_UnicastFromOffLinkSourceWithTtl255_IsDroppedAndNotAnswered()
    {
        await using var bed = new MdnsTestBed();
        var (node, _, _) = await StartedAsync(bed);

        // A is 198.18.0.1/16: 198.19.0.9 is outside its link even though the TTL says 255.
        var offLink = await bed.AddRawHostAsync("198.19.0.9", port: 40000);
        var onLink = await bed.AddRawHostAsync(Q, port: 40000);
        var query = new DnsMessage(0x1234, 0, [new DnsQuestion(s_service.Prepend("alice"), DnsRecordType.Srv)], [], [], []);
        offLink.Unicast(new IPEndPoint(IPAddress.Parse(A), 5353), query);
        onLink.Unicast(new IPEndPoint(IPAddress.Parse(A), 5353), query);
        bed.Advance(TimeSpan.FromMilliseconds(200));

        Assert.Empty(offLink.ResponsesFrom(A));
        Assert.Single(onLink.ResponsesFrom(A));
        Assert.DoesNotContain(bed.SentBy(A), p => p.Destination?.Address.Equals(IPAddress.Parse("198.19.0.9")) == true);
        Assert.Equal(1, node.Counters.DropCount("off-link source"));
        Assert.Equal(0, node.Counters.DropCount("off-link (IP TTL not 255)"));
    }

    [Fact]
    public async Task OnPacket_Malformed_IsCountedByReason()
    {
        await using var bed = new MdnsTestBed();
        var (node, _, _) = await StartedAsync(bed);

        bed.Network.Inject(new IPEndPoint(IPAddress.Parse(Q), 5353), [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 0x0C, 0, 12, 0, 1]);
        bed.Advance(TimeSpan.FromMilliseconds(10));

        Assert.Equal(1, node.Counters.DropCount("malformed: compression pointer loop"));
        Assert.Equal(1, node.Status.Drops["malformed: compression pointer loop"]);
    }

    [Fact]
    public async Task Start_DualStackInterface_AnnouncesAAndAaaaWithNsecCoveringBoth()
    {
        await using var bed = new MdnsTestBed();
        var (node, _, transport) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice"));
        transport.SetInterfaces([DualStack(transport.InterfaceIndex)]);

        await node.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(3));

        var announcement = bed.SentBy(A).First(p => p.Message.IsResponse).Message;
        var srv = Assert.Single(announcement.Answers, r => r.Type == DnsRecordType.Srv);
        var host = ((SrvRecordData)srv.Data).Target;
        Assert.Equal(IPAddress.Parse(A), ((AddressRecordData)Assert.Single(announcement.Answers, r => r.Type == DnsRecordType.A).Data).Address);
        var aaaa = Assert.Single(announcement.Answers, r => r.Type == DnsRecordType.Aaaa);
        Assert.Equal(host, aaaa.Name);
        Assert.True(aaaa.CacheFlush);
        Assert.Equal(IPAddress.Parse("fe80::1"), ((AddressRecordData)aaaa.Data).Address);
        var nsec = Assert.Single(announcement.Answers, r => r.Type == DnsRecordType.Nsec);
        Assert.Equal(host, nsec.Name);
        Assert.Equal([DnsRecordType.A, DnsRecordType.Aaaa], ((NsecRecordData)nsec.Data).Types);
    }

    [Fact]
    public async Task Query_ForAaaa_AnswersAaaaWithAAndNsecAsAdditionals()
    {
        await using var bed = new MdnsTestBed();
        var (node, _, transport) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice"));
        transport.SetInterfaces([DualStack(transport.InterfaceIndex)]);
        await node.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(3));
        var host = HostName(bed);
        var querier = await bed.AddRawHostAsync(Q);

        querier.Multicast(DnsMessage.Query([new DnsQuestion(host, DnsRecordType.Aaaa)]));
        bed.Advance(TimeSpan.FromMilliseconds(100));

        var response = Assert.Single(querier.ResponsesFrom(A));
        var aaaa = Assert.Single(response.Answers);
        Assert.Equal((DnsRecordType.Aaaa, IPAddress.Parse("fe80::1")), (aaaa.Type, ((AddressRecordData)aaaa.Data).Address));
        Assert.Equal([DnsRecordType.A, DnsRecordType.Nsec], response.Additionals.Select(r => r.Type));
    }

    [Fact]
    public async Task Query_ForAaaaOnIpv4OnlyHost_AnswersWithNsec()
    {
        await using var bed = new MdnsTestBed();
        await StartedAsync(bed);
        var host = HostName(bed);
        var querier = await bed.AddRawHostAsync(Q);

        querier.Multicast(DnsMessage.Query([new DnsQuestion(host, DnsRecordType.Aaaa)]));
        bed.Advance(TimeSpan.FromMilliseconds(100));

        var response = Assert.Single(querier.ResponsesFrom(A));
        var nsec = Assert.Single(response.Answers);
        Assert.Equal((DnsRecordType.Nsec, host), (nsec.Type, nsec.Name));
        Assert.Equal([DnsRecordType.A], ((NsecRecordData)nsec.Data).Types);
        Assert.Equal([DnsRecordType.A], response.Additionals.Select(r => r.Type));
    }

    private static MdnsInterface DualStack(int index) =>
        new(index, "mem0", [IPAddress.Parse(A), IPAddress.Parse("fe80::1")]);

    private static DnsName HostName(MdnsTestBed bed) =>
        ((SrvRecordData)bed.SentBy(A).First(p => p.Message.IsResponse).Message.Answers.Single(r => r.Type == DnsRecordType.Srv).Data).Target;

    private static async Task<(MdnsDiscovery Node, RecordingSink Sink, PeerMesh.Discovery.Mdns.InMemory.InMemoryMdnsTransport Transport)> StartedAsync(MdnsTestBed bed)
    {
        var node = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice"));
        await node.Node.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(3));
        return node;
    }
}
