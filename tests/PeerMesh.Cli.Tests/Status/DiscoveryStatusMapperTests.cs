using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using PeerMesh.Cli.Control;
using PeerMesh.Cli.Node;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Discovery.Seeds;
using PeerMesh.Mesh.Membership;
using Xunit;

namespace PeerMesh.Cli.Tests.Status;

public sealed class DiscoveryStatusMapperTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly MdnsStatus s_mdnsOn = MdnsStatus.Disabled with { Enabled = true };

    private static Member Bob(DiscoverySource foundBy) => new(
        "0123456789abcdef0123456789abcdef", "bob", 1, MemberState.Alive, new IPEndPoint(IPAddress.Loopback, 9419), 9418, [], foundBy, s_now);

    private static JsonNode Json(MdnsStatus mdns, IReadOnlyList<SeedStatus> seeds, IReadOnlyList<Member>? members = null, TimeSpan? uptime = null) =>
        JsonNode.Parse(JsonSerializer.Serialize(
            DiscoveryStatusMapper.Map(mdns, members ?? [], [.. seeds.Select(s => s.Seed)], seeds, uptime ?? TimeSpan.FromMinutes(1)),
            ControlJson.Options))!;

    [Fact]
    public void Map_SeedNotAnswering_ErrorAttemptsAndNextTryInJson()
    {
        var json = Json(MdnsStatus.Disabled, [new SeedStatus("198.18.0.9:9419", false, 4, SeedJoiner.NoAnswer, s_now.AddSeconds(8))]);

        Assert.Equal(
            """{"mdns":"off","mdnsProblem":null,"seeds":["198.18.0.9:9419"],"seedStatus":[{"seed":"198.18.0.9:9419","joined":false,"error":"no answer","attempts":4,"nextTry":"2026-11-24T12:00:08+00:00"}]}""",
            json.ToJsonString(ControlJson.Options));
    }

    [Fact]
    public void Map_SeedJoined_JoinedTrueErrorNull()
    {
        var seed = Json(s_mdnsOn, [new SeedStatus("198.18.0.3:9419", true, 3, null, s_now.AddSeconds(30))])["seedStatus"]![0]!;

        Assert.True((bool)seed["joined"]!);
        Assert.Null(seed["error"]);
    }

    [Fact]
    public void Map_NoSeeds_EmptyListsMdnsOn()
    {
        Assert.Equal("""{"mdns":"on","mdnsProblem":null,"seeds":[],"seedStatus":[]}""", Json(s_mdnsOn, []).ToJsonString(ControlJson.Options));
    }

    [Fact]
    public void Map_LivePeersNoneHeardOnMdnsAfterGrace_Degraded()
    {
        var json = Json(s_mdnsOn, [], [Bob(DiscoverySource.Seed)]);

        Assert.Equal("degraded", (string?)json["mdns"]);
        Assert.Equal("no mDNS answer from the 1 peer known through gossip or seeds; multicast may be blocked here", (string?)json["mdnsProblem"]);
        Assert.Equal("on", (string?)Json(s_mdnsOn, [], [Bob(DiscoverySource.Seed)], uptime: TimeSpan.FromSeconds(5))["mdns"]);
        Assert.Equal("on", (string?)Json(s_mdnsOn, [], [Bob(DiscoverySource.Seed | DiscoverySource.Mdns)])["mdns"]);
    }
}
