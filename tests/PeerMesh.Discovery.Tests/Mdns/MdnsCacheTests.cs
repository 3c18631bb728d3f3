using System.Net;
using PeerMesh.Discovery.Dns;
using PeerMesh.Discovery.Mdns;
using Xunit;

namespace PeerMesh.Discovery.Tests.Mdns;

public sealed class MdnsCacheTests
{
    private static readonly DnsName s_instance = DnsName.Parse("x._peermesh._udp.local");
    private static readonly IPAddress s_source = IPAddress.Parse("198.18.0.2");

    [Fact]
    public void Add_Record_ExpiresAfterTtl()
    {
        var cache = new MdnsCache(16);
        cache.Add(Srv(7001, 120), TimeSpan.FromSeconds(10), s_source, 1);

        Assert.Equal(0, cache.RemoveExpired(TimeSpan.FromSeconds(129)));
        Assert.Equal(1, cache.RemoveExpired(TimeSpan.FromSeconds(130)));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Add_Goodbye_ExpiresInOneSecond()
    {
        var cache = new MdnsCache(16);
        cache.Add(Srv(7001, 120), TimeSpan.Zero, s_source, 1);

        cache.Add(Srv(7001, 0), TimeSpan.FromSeconds(5), s_source, 1);

        Assert.Equal(TimeSpan.FromSeconds(6), cache.NextExpiry);
    }

    [Fact]
    public void Add_GoodbyeForUnknownRecord_IsNotCached()
    {
        var cache = new MdnsCache(16);
        cache.Add(Srv(7001, 0), TimeSpan.Zero, s_source, 1);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Add_CacheFlush_ExpiresOlderRdataInOneSecond()
    {
        var cache = new MdnsCache(16);
        cache.Add(Srv(7001, 120), TimeSpan.Zero, s_source, 1);

        cache.Add(Srv(7002, 120), TimeSpan.FromSeconds(10), s_source, 1);
        cache.RemoveExpired(TimeSpan.FromSeconds(11));

        var entry = Assert.Single(cache.Entries);
        Assert.Equal(7002, ((SrvRecordData)entry.Record.Data).Port);
    }

    [Fact]
    public void Add_BeyondCapacity_IsRefused()
    {
        var cache = new MdnsCache(16);
        for (var i = 0; i < 16; i++)
        {
            Assert.Equal(MdnsCacheAddResult.Added, cache.Add(Srv((ushort)(7000 + i), 120, flush: false), TimeSpan.Zero, s_source, 1));
        }

        Assert.Equal(MdnsCacheAddResult.Dropped, cache.Add(Srv(8000, 120, flush: false), TimeSpan.Zero, s_source, 1));
        Assert.Equal(MdnsCacheAddResult.Refreshed, cache.Add(Srv(7000, 120, flush: false), TimeSpan.Zero, s_source, 1));
        Assert.Equal(16, cache.Count);
    }

    [Fact]
    public void NextRefresh_StepsThroughEightyToNinetyFivePercent()
    {
        var entry = new MdnsCacheEntry(Srv(7001, 100), TimeSpan.Zero, s_source, 1);
        var points = new List<TimeSpan>();
        while (entry.NextRefresh is { } next)
        {
            points.Add(next);
            entry.RefreshStep++;
        }

        Assert.Equal([80, 85, 90, 95], points.Select(p => (int)Math.Round(p.TotalSeconds)));
    }

    private static DnsRecord Srv(ushort port, uint ttl, bool flush = true) =>
        new(s_instance, DnsRecordType.Srv, ttl, new SrvRecordData(0, 0, port, DnsName.Parse("h.local")), CacheFlush: flush);
}
