using System.Globalization;
using PeerMesh.Discovery.Dns;
using PeerMesh.Mesh.Membership;
using Xunit;

namespace PeerMesh.Discovery.Tests.Mdns;

/// <summary>
/// One node serving 256 repositories: a <c>_git._tcp</c> instance each, probed, announced, answered and said goodbye to
/// in packets within the limits of RFC 6762 section 17 (our 1400 bytes, never over 9000), on the in-memory link.
/// </summary>
public sealed class MdnsManyReposTests
{
    private const string A = "198.18.0.1";
    private const string B = "198.18.0.2";
    private const string Q = "198.18.0.9";
    private const int Limit = 1400;

    private static readonly DnsName s_git = DnsName.Parse("_git._tcp.local");
    private static readonly DnsName s_types = DnsName.Parse("_services._dns-sd._udp.local");

    [Fact]
    public async Task Start_256Repos_EveryPacketWithinTheLimitAndEveryInstanceResolvable()
    {
        await using var bed = new MdnsTestBed();
        var repos = Repos(256);
        var (node, _, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice", gitPort: 9418, repos: [.. repos]));
        var (peer, sink, _) = bed.AddNode(B, MdnsTestBed.Advertisement("bb02", "bob"));

        await node.StartAsync(TestContext.Current.CancellationToken);
        await peer.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(5));

        Assert.All(bed.Sent, p => Assert.InRange(p.Bytes, 1, Limit));
        Assert.True(node.Responder.AllEstablished);

        // Every name was probed: one question per name, its proposed records in the same packet.
        var probes = bed.SentBy(A).Where(p => p.IsProbe).ToList();
        var probed = probes.SelectMany(p => p.Message.Questions.Select(q => q.Name)).Where(n => n.IsSubdomainOf(s_git)).Distinct().Count();
        Assert.Equal(256, probed);
        Assert.All(probes, p => Assert.All(p.Message.Authorities, r => Assert.Contains(p.Message.Questions, q => q.Name.Equals(r.Name))));

        // A generic DNS-SD browser listening to the announcements sees every instance, with its port, repo id and path.
        var announced = bed.SentBy(A).Where(p => p.Message.IsResponse).SelectMany(p => p.Message.Answers.Concat(p.Message.Additionals)).ToList();
        var instances = Resolve(announced);
        Assert.Equal(repos.Select(r => (r.RepoId, r.Path)).Order(), instances.Values.Select(i => (i.Repo, i.Path)).Order());
        Assert.All(instances.Values, i => Assert.Equal(9418, i.Port));

        // An announcement round says each record once: the service type enumeration PTR to _git._tcp is shared by every instance.
        var responses = bed.SentBy(A).Where(p => p.Message.IsResponse).Select(p => p.Message).ToList();
        Assert.Equal(2, responses.SelectMany(m => m.Answers).Count(r => r.Name.Equals(s_types) && ((PtrRecordData)r.Data).Target.Equals(s_git)));

        // Our browser (bob) found alice among all that.
        Assert.Contains(sink.Offers, o => o.NodeId == "aa01");
    }

    [Fact]
    public async Task Query_ForGitInstances_256PointersAcrossPacketsThenEachResolves()
    {
        await using var bed = new MdnsTestBed();
        var repos = Repos(256);
        var (node, _, _) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice", gitPort: 9418, repos: [.. repos]));
        await node.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(5));
        var querier = await bed.AddRawHostAsync(Q);

        querier.Multicast(DnsMessage.Query([new DnsQuestion(s_git, DnsRecordType.Ptr)]));
        bed.Advance(TimeSpan.FromMilliseconds(200));

        var pointers = querier.ResponsesFrom(A).SelectMany(m => m.Answers).Where(r => r.Name.Equals(s_git)).Select(r => ((PtrRecordData)r.Data).Target).ToList();
        Assert.Equal(256, pointers.Distinct().Count());

        // Resolving them (as avahi-browse -r does), 16 instances per query.
        querier.Clear();
        bed.Advance(TimeSpan.FromSeconds(1));
        foreach (var chunk in pointers.Chunk(16))
        {
            querier.Multicast(DnsMessage.Query([.. chunk.SelectMany(n => new[] { new DnsQuestion(n, DnsRecordType.Srv), new DnsQuestion(n, DnsRecordType.Txt) })]));
        }

        bed.Advance(TimeSpan.FromMilliseconds(200));
        var instances = Resolve([.. querier.ResponsesFrom(A).SelectMany(m => m.Answers.Concat(m.Additionals)), .. pointers.Select(p => new DnsRecord(s_git, DnsRecordType.Ptr, 120, new PtrRecordData(p)))]);
        Assert.Equal(256, instances.Count);
        Assert.All(bed.Sent, p => Assert.InRange(p.Bytes, 1, Limit));
    }

    [Fact]
    public async Task Query_TruncatedWithKnownAnswersInTwoPackets_NothingRepeated()
    {
        await using var bed = new MdnsTestBed();
        var (node, _, transport) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice", gitPort: 9418, repos: [.. Repos(256)]));
        await node.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(5));
        var querier = await bed.AddRawHostAsync(Q);
        var known = node.Responder.EstablishedRecords(transport.Interfaces[0])
            .Where(r => r.Name.Equals(s_git)).ToList();
        Assert.Equal(256, known.Count);

        // RFC 6762 7.2: a querier with more known answers than fit sets TC and sends the rest right after.
        var first = DnsMessage.Query([new DnsQuestion(s_git, DnsRecordType.Ptr)], known[..128]) with { Flags = DnsMessage.TruncatedFlag };
        querier.Multicast(first);
        bed.Advance(TimeSpan.FromMilliseconds(10));
        querier.Multicast(DnsMessage.Query([], known[128..]));
        bed.Advance(TimeSpan.FromSeconds(1));

        Assert.Empty(querier.ResponsesFrom(A));
    }

    [Fact]
    public async Task UpdateAdvertisement_OneRemovedOneAdded_GoodbyeProbeAndAnnounceOnlyThose()
    {
        await using var bed = new MdnsTestBed();
        var repos = Repos(256);
        var (node, _, transport) = bed.AddNode(A, MdnsTestBed.Advertisement("aa01", "alice", gitPort: 9418, repos: [.. repos]));
        await node.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(5));
        var before = bed.SentBy(A).Count();
        var removed = repos[5];
        var added = new RepoAnnouncement("new-project", "new-project", "/new-project", "", 0);
        var removedName = s_git.Prepend($"{removed.Name} @ alice");
        var addedName = s_git.Prepend("new-project @ alice");

        node.UpdateAdvertisement(MdnsTestBed.Advertisement("aa01", "alice", gitPort: 9418, repos: [.. repos.Where(r => r != removed), added]));
        bed.Advance(TimeSpan.FromSeconds(5));

        var after = bed.SentBy(A).Skip(before).ToList();
        Assert.All(after, p => Assert.InRange(p.Bytes, 1, Limit));
        var goodbyes = after.Where(p => p.Message.IsResponse).SelectMany(p => p.Message.Answers).Where(r => r.Ttl == 0).ToList();
        Assert.Contains(goodbyes, r => r.Name.Equals(s_git) && ((PtrRecordData)r.Data).Target.Equals(removedName));
        Assert.Contains(goodbyes, r => r.Name.Equals(removedName) && r.Type == DnsRecordType.Srv);
        Assert.DoesNotContain(goodbyes, r => r.Name.Equals(s_types));
        var probes = after.Where(p => p.IsProbe).ToList();
        Assert.Equal(3, probes.Count);
        Assert.All(probes, p => Assert.Equal(addedName, Assert.Single(p.Message.Questions).Name));
        var announced = after.Where(p => p.Message.IsResponse).SelectMany(p => p.Message.Answers).Where(r => r.Ttl > 0).ToList();
        Assert.Contains(announced, r => r.Name.Equals(s_git) && ((PtrRecordData)r.Data).Target.Equals(addedName));

        // Only the new instance is announced (twice), not the 255 others again.
        Assert.InRange(announced.Count, 2, 2 * 4);
        Assert.DoesNotContain(node.Responder.EstablishedRecords(transport.Interfaces[0]), r => r.Name.Equals(removedName));
    }

    private static List<RepoAnnouncement> Repos(int count) =>
        Enumerable.Range(0, count)
            .Select(i => i.ToString("000", CultureInfo.InvariantCulture))
            .Select(i => new RepoAnnouncement("project-" + i, "project-" + i, "/project-" + i, "", 0))
            .ToList();

    /// <summary>What a DNS-SD browser makes of records: each _git._tcp instance with an SRV and a TXT.</summary>
    private static Dictionary<DnsName, (int Port, string Repo, string Path)> Resolve(IReadOnlyCollection<DnsRecord> records)
    {
        var result = new Dictionary<DnsName, (int, string, string)>();
        foreach (var ptr in records.Where(r => r.Name.Equals(s_git) && r.Type == DnsRecordType.Ptr && r.Ttl > 0))
        {
            var instance = ((PtrRecordData)ptr.Data).Target;
            var srv = records.FirstOrDefault(r => r.Name.Equals(instance) && r.Type == DnsRecordType.Srv);
            var txt = records.FirstOrDefault(r => r.Name.Equals(instance) && r.Type == DnsRecordType.Txt);
            if (srv is not null && txt is not null)
            {
                var pairs = ((TxtRecordData)txt.Data).ToDictionary();
                result[instance] = (((SrvRecordData)srv.Data).Port, pairs["repo"], pairs["path"]);
            }
        }

        return result;
    }
}
