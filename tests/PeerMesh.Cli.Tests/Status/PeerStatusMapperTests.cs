using System.Collections.Immutable;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using PeerMesh.Cli.Control;
using PeerMesh.Cli.Node;
using PeerMesh.Mesh.Membership;
using PeerMesh.Sync.Status;
using Xunit;

namespace PeerMesh.Cli.Tests.Status;

public sealed class PeerStatusMapperTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static Member Bob() => new(
        "0123456789abcdef0123456789abcdef", "bob", 1, MemberState.Alive, new IPEndPoint(IPAddress.Loopback, 9419), 9418, [],
        DiscoverySource.Seed, s_now);

    private static RemoteSyncStatus Remote(FetchTransferStatus? progress, ImmutableArray<BranchDivergence> branches) => new(
        "repo", "bob", "git://127.0.0.1:9418/", null, null, branches, false, [], progress is not null, BreakerStatus.Closed, false, progress);

    private static JsonNode Json(RemoteSyncStatus remote)
    {
        var peer = PeerStatusMapper.Map(Bob(), new PeerSyncStatus(Bob().Id, true, true, [remote]));
        return JsonNode.Parse(JsonSerializer.Serialize(peer, ControlJson.Options))!["remotes"]![0]!;
    }

    [Fact]
    public void Map_FetchRunning_ProgressInJsonWithObjectsBytesAndRate()
    {
        var remote = Json(Remote(new FetchTransferStatus(1200, 5000, 3_565_158, 1_153_434.4, TimeSpan.FromSeconds(3)), []));

        Assert.True((bool)remote["fetching"]!);
        Assert.Equal(
            """{"objects":1200,"totalObjects":5000,"bytes":3565158,"bytesPerSecond":1153434}""",
            remote["progress"]!.ToJsonString());
    }

    [Fact]
    public void MapWithRemotes_PeerAnnouncingOneShownAndTwoOtherProjects_ServesAndOtherProjectsInJson()
    {
        var member = Bob() with
        {
            Repos = [new RepoAnnouncement("shop-root", "shop", "/shop", "", 0), new RepoAnnouncement("web-root", "web", "/web", "", 0),
                new RepoAnnouncement("notes-root", "notes", "/notes", "", 0)],
        };

        var peer = PeerStatusMapper.MapWithRemotes(member, [], trusted: true, new HashSet<string>(["shop-root", "blog-root"], StringComparer.Ordinal));
        var json = JsonNode.Parse(JsonSerializer.Serialize(peer, ControlJson.Options))!;

        Assert.Equal("""["shop-root"]""", json["serves"]!.ToJsonString());
        Assert.Equal(2, (int)json["otherProjects"]!);
    }

    [Fact]
    public void Map_UntrustedPeer_TrustedFalseInJson()
    {
        var peer = PeerStatusMapper.Map(Bob(), null, trusted: false);

        var json = JsonNode.Parse(JsonSerializer.Serialize(peer, ControlJson.Options))!;

        Assert.False((bool)json["trusted"]!);
        Assert.Empty(json["remotes"]!.AsArray());
    }

    [Fact]
    public void Map_IdClaimedFromAnotherAddress_ConflictInJson()
    {
        var at = new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
        var member = Bob() with { ConflictingEndPoint = new IPEndPoint(IPAddress.Parse("198.18.0.66"), 9419), ConflictAt = at };

        var json = JsonNode.Parse(JsonSerializer.Serialize(PeerStatusMapper.Map(member, null), ControlJson.Options))!;

        Assert.Equal("198.18.0.66:9419", (string)json["conflict"]!["address"]!);
        Assert.Equal(at, (DateTimeOffset)json["conflict"]!["at"]!);
        Assert.Null(JsonNode.Parse(JsonSerializer.Serialize(PeerStatusMapper.Map(Bob(), null), ControlJson.Options))!["conflict"]);
    }

    [Fact]
    public void Map_BreakerOpen_StateFailuresAndNextTryInJson()
    {
        var retryAt = s_now.AddSeconds(25);
        var remote = Json(Remote(null, []) with { Breaker = new BreakerStatus("open", 3, retryAt), AddressConflict = true });

        Assert.Equal("open", (string)remote["breaker"]!);
        Assert.Equal(3, (int)remote["breakerFailures"]!);
        Assert.Equal(retryAt, (DateTimeOffset)remote["breakerNextTry"]!);
        Assert.True((bool)remote["addressConflict"]!);
    }

    [Fact]
    public void Map_BreakerClosed_ClosedWithNoNextTry()
    {
        var remote = Json(Remote(null, []));

        Assert.Equal("closed", (string)remote["breaker"]!);
        Assert.Equal(0, (int)remote["breakerFailures"]!);
        Assert.Null(remote["breakerNextTry"]);
        Assert.False((bool)remote["addressConflict"]!);
    }

    [Fact]
    public void Map_Idle_ProgressNull()
    {
        var remote = Json(Remote(null, []));

        Assert.False((bool)remote["fetching"]!);
        Assert.Null(remote["progress"]);
    }

    [Fact]
    public void Map_BranchOnlyOnPeer_LocalFalseInJson()
    {
        var remote = Json(Remote(null, [new BranchDivergence("main", 1, 0), new BranchDivergence("feature/x", 2, 0, Local: false)]));

        Assert.Equal(
            """[{"name":"main","ahead":1,"behind":0,"local":true},{"name":"feature/x","ahead":2,"behind":0,"local":false}]""",
            remote["branches"]!.ToJsonString());
    }

    [Fact]
    public void RemoteCap_Reached_InTheRepositorysJson()
    {
        var sync = new SyncStatus("repo", null, [], RemoteCap: new RemoteCapStatus(64, 64, 2936));
        var repo = new PeerMesh.Cli.Status.RepoStatus("repo", "shop", "git://127.0.0.1:9418/", "/", null, PeerStatusMapper.RemoteCap(sync));

        var json = JsonNode.Parse(JsonSerializer.Serialize(repo, ControlJson.Options))!;

        Assert.Equal("""{"max":64,"managed":64,"refused":2936}""", json["remoteCap"]!.ToJsonString());
        Assert.Null(PeerStatusMapper.RemoteCap(sync with { RemoteCap = new RemoteCapStatus(64, 12, 0) }));
        Assert.Null(PeerStatusMapper.RemoteCap(null));
    }
}
