using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Options;
using PeerMesh.Mesh.Transport;
using PeerMesh.TestSupport.Keys;
using PeerMesh.TestSupport.Logging;
using Xunit;

namespace PeerMesh.Discovery.Tests.Mdns;

public sealed class MdnsDiscoveryTests
{
    [Fact]
    public async Task StartAsync_Disabled_SendsNothingAndReportsDisabled()
    {
        await using var bed = new MdnsTestBed();
        var options = MdnsTestBed.Options();
        options.Enabled = false;
        var (node, _, _) = bed.AddNode("198.18.0.1", MdnsTestBed.Advertisement("aa01"), options);

        await node.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(5));

        Assert.Empty(bed.Sent);
        Assert.False(node.Status.Enabled);
    }

    [Fact]
    public async Task StartAsync_TransportDegraded_LogsOneWarningAndStatusSaysWhy()
    {
        await using var bed = new MdnsTestBed();
        var transport = bed.Network.Attach(IPAddress.Parse("198.18.0.1"));
        transport.DegradedReason = "multicast blocked";
        var logger = new RecordingLogger<MdnsDiscovery>();
        await using var node = new MdnsDiscovery(MdnsTestBed.Options(), MdnsTestBed.Advertisement("aa01"), new RecordingSink(), bed.Time, logger, transport);

        await node.StartAsync(TestContext.Current.CancellationToken);
        transport.SetInterfaces(transport.Interfaces);
        bed.Advance(TimeSpan.FromSeconds(1));

        Assert.True(node.Status.Degraded);
        Assert.Equal("multicast blocked", node.Status.DegradedReason);
        var warning = Assert.Single(logger.Lines, e => e.Level == LogLevel.Warning);
        Assert.Contains("multicast blocked", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_AfterExchange_CountsPacketsAndBytes()
    {
        await using var bed = new MdnsTestBed();
        var (a, _, _) = bed.AddNode("198.18.0.1", MdnsTestBed.Advertisement("aa01", "alice"));
        var (b, _, _) = bed.AddNode("198.18.0.2", MdnsTestBed.Advertisement("bb02", "bob"));
        await a.StartAsync(TestContext.Current.CancellationToken);
        await b.StartAsync(TestContext.Current.CancellationToken);

        // Not to 3 s: the third queries go out at 3 s and would still be on the link.
        bed.Advance(TimeSpan.FromSeconds(2.5));

        var status = a.Status;
        Assert.Equal(bed.SentBy("198.18.0.1").Count(), status.PacketsOut);
        Assert.Equal(bed.SentBy("198.18.0.1").Sum(p => p.Bytes), status.BytesOut);
        Assert.Equal(bed.Sent.Count, status.PacketsIn);
        Assert.Equal("alice", status.InstanceName);
        Assert.Equal(1, status.PeersFound);
    }

    [Fact]
    public async Task OnPacket_FuzzedPacketsIntoRunningNodes_NeverFaultTheHandler()
    {
        await using var bed = new MdnsTestBed();
        var options = MdnsTestBed.Options();
        options.MaxPacketsPerSourcePerSecond = 0;
        var (a, _, _) = bed.AddNode("198.18.0.1", MdnsTestBed.Advertisement("aa01", "alice"), options);
        var (b, _, _) = bed.AddNode("198.18.0.2", MdnsTestBed.Advertisement("bb02", "bob"), options);
        await a.StartAsync(TestContext.Current.CancellationToken);
        await b.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(3));
        var seeds = bed.Sent.Select(p => PeerMesh.Discovery.Dns.DnsMessageEncoder.Encode(p.Message)).Concat(Dns.DnsTestPackets.Seeds()).ToList();
        var random = new Random(42);
        var source = new IPEndPoint(IPAddress.Parse("198.18.0.9"), 5353);

        for (var i = 0; i < 20_000; i++)
        {
            var packet = seeds[random.Next(seeds.Count)].ToArray();
            for (var edits = random.Next(1, 4); edits > 0; edits--)
            {
                packet[random.Next(packet.Length)] = (byte)random.Next(256);
            }

            bed.Network.Inject(source, packet);
            if (i % 100 == 0)
            {
                bed.Time.Advance(TimeSpan.FromMilliseconds(5));
            }
        }

        bed.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(0, a.Counters.DropCount("handler error"));
        Assert.Equal(0, b.Counters.DropCount("handler error"));
        Assert.Contains(a.Counters.Drops.Keys, k => k.StartsWith("malformed: ", StringComparison.Ordinal));

        // Mutations that stay valid may look like more peers of our mesh; the real one is still there.
        Assert.Contains(a.Browser.Peers, p => p.NodeId == "bb02");
    }

    [Fact]
    public async Task OnPacket_FloodFromOneSource_IsCutOffWhileOthersAreAnswered()
    {
        await using var bed = new MdnsTestBed();
        var (a, _, _) = bed.AddNode("198.18.0.1", MdnsTestBed.Advertisement("aa01", "alice"));
        await a.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(3));
        var querier = await bed.AddRawHostAsync("198.18.0.8");
        var query = PeerMesh.Discovery.Dns.DnsMessageEncoder.Encode(PeerMesh.Discovery.Dns.DnsMessage.Query(
            [new PeerMesh.Discovery.Dns.DnsQuestion(MdnsNames.PeerMeshService, PeerMesh.Discovery.Dns.DnsRecordType.Ptr)]));

        for (var i = 0; i < 1000; i++)
        {
            bed.Network.Inject(new IPEndPoint(IPAddress.Parse("198.18.0.66"), 5353), query);
        }

        bed.Advance(TimeSpan.FromMilliseconds(10));
        querier.Multicast(PeerMesh.Discovery.Dns.DnsMessage.Query([new PeerMesh.Discovery.Dns.DnsQuestion(MdnsNames.PeerMeshService.Prepend("alice"), PeerMesh.Discovery.Dns.DnsRecordType.Txt)]));
        bed.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(800, a.Counters.DropCount("source over rate limit"));
        Assert.Contains(querier.ResponsesFrom("198.18.0.1"), m => m.Answers.Any(r => r.Type == PeerMesh.Discovery.Dns.DnsRecordType.Txt));
    }

    [Fact]
    public async Task StartAsync_BesideAMeshNode_TheMeshListsTheNewNodeAliveBeforeItsNamesAreAnnounced()
    {
        // One clock for both in-memory links: the mDNS one and the gossip one (issue 15's discovery path, as the CLI wires it).
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var bed = new MdnsTestBed(time);
        using var gossip = new InMemoryNetwork(time, seed: 1);
        using var identities = new TestIdentities();
        await using var existing = new MeshNode(MeshOptions.FastTest(), identities["existing"], "existing", gossip.CreateTransport(new IPEndPoint(IPAddress.Parse("198.18.0.1"), 7946)), time, NullLogger<MeshNode>.Instance);
        await using var fresh = new MeshNode(MeshOptions.FastTest(), identities["fresh"], "fresh", gossip.CreateTransport(new IPEndPoint(IPAddress.Parse("198.18.0.2"), 7946)), time, NullLogger<MeshNode>.Instance);
        var (existingMdns, _) = bed.AddNode("198.18.0.1", MdnsTestBed.Advertisement(existing.LocalId, "existing", gossipPort: 7946), existing);
        var (freshMdns, _) = bed.AddNode("198.18.0.2", MdnsTestBed.Advertisement(fresh.LocalId, "fresh", gossipPort: 7946), fresh);
        await existing.StartAsync(TestContext.Current.CancellationToken);
        await existingMdns.StartAsync(TestContext.Current.CancellationToken);
        bed.Advance(TimeSpan.FromSeconds(5));

        await fresh.StartAsync(TestContext.Current.CancellationToken);
        await freshMdns.StartAsync(TestContext.Current.CancellationToken);
        var started = time.GetUtcNow();
        while (existing.Current.Find(fresh.LocalId) is not { State: MemberState.Alive } && time.GetUtcNow() - started < TimeSpan.FromSeconds(2))
        {
            bed.Advance(TimeSpan.FromMilliseconds(1));
        }

        // The existing node learnt of it from its join (the answer to its first query, 20 ms late here, then a push-pull),
        // not from its announcement: its names are still being probed and the existing browser has not heard of it.
        Assert.Equal(MemberState.Alive, existing.Current.Find(fresh.LocalId)?.State);
        Assert.InRange(time.GetUtcNow() - started, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(30));
        Assert.False(freshMdns.Responder.AllEstablished);
        Assert.Empty(existingMdns.Browser.Peers);

        // Once announced, the existing browser finds it too; the new node found the existing one by mDNS.
        bed.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(fresh.LocalId, Assert.Single(existingMdns.Browser.Peers).NodeId);
        Assert.Equal(MemberState.Alive, fresh.Current.Find(existing.LocalId)?.State);
        Assert.True(fresh.Current.Find(existing.LocalId)!.FoundBy.HasFlag(DiscoverySource.Mdns));
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        var options = new MdnsOptions { ProbeInterval = TimeSpan.Zero };
        Assert.Throws<ArgumentOutOfRangeException>(() => new MdnsDiscovery(options, MdnsTestBed.Advertisement("aa01"), new RecordingSink(), TimeProvider.System, new RecordingLogger<MdnsDiscovery>(), null));
    }
}
