using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using PeerMesh.Cli.Control;
using PeerMesh.Cli.Status;
using Xunit;

namespace PeerMesh.Cli.Tests.Control;

/// <summary>The generated serialization of the status contract writes what reflection wrote: the contract is unchanged.</summary>
public sealed class ControlJsonTests
{
    private static readonly DateTimeOffset s_at = new(2026, 11, 30, 12, 0, 1, TimeSpan.Zero);

    [Fact]
    public void Options_EveryStatusField_SameJsonAsReflection()
    {
        var document = Full();
        var reflection = new JsonSerializerOptions(ControlJson.Options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

        var generated = JsonSerializer.Serialize(document, ControlJson.Options);

        Assert.Equal(JsonSerializer.Serialize(document, reflection), generated);
        Assert.Contains("\"name\":\"zoë <laptop>\"", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_StatusReadBack_EqualFields()
    {
        var document = Full();

        var back = JsonSerializer.Deserialize<StatusDocument>(JsonSerializer.Serialize(document, ControlJson.Options), ControlJson.Options)!;

        Assert.Equal(JsonSerializer.Serialize(document, ControlJson.Indented), JsonSerializer.Serialize(back, ControlJson.Indented));
    }

    private static StatusDocument Full()
    {
        var remote = new PeerRemoteStatus(
            "shop",
            "bob",
            new LastFetchInfo(s_at, false, "timed out"),
            s_at.AddSeconds(60),
            [new BranchStatus("main", 2, 1), new BranchStatus("topic", 0, 3, Local: false)],
            Fetching: true,
            Rewritten: true,
            new FetchProgressInfo(10, 20, 4096, 1.5e6),
            "open",
            3,
            s_at.AddSeconds(30),
            AddressConflict: true,
            "/home/zoë/shop");
        return new StatusDocument(
            StatusDocument.CurrentVersion,
            new NodeStatus("3f9c1a2b", "zoë <laptop>", 9419, "sealed", s_at, ["aa", "bb"]),
            new ServingInfo(false, 9418, 2, "git daemon exited with code 128", s_at.AddSeconds(1)),
            [new RepoStatus("c0ffee", "shop", "git://h:9418/shop", "/shop", "repository not found", new RemoteCapInfo(32, 5, 1), "/home/zoë/shop", Shallow: true)],
            [new PeerStatus("b0b", "bob", "alive", "10.0.0.5:9419", s_at, ["seed", "mdns"], [remote], Trusted: false, new IdConflict("10.0.0.6:9419", s_at), ["c0ffee"], 2)],
            new DiscoveryInfo("degraded", "multicast blocked", ["10.0.0.5:9419"], [new SeedInfo("10.0.0.5:9419", false, "no answer", 3, s_at)]),
            new GossipInfo(10, 20, new Dictionary<string, long> { ["bad-mac"] = 1, ["mdns-truncated"] = 2 }, 1000, 2000));
    }
}
