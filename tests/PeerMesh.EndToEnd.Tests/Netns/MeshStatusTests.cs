using PeerMesh.TestSupport.Netns;
using Xunit;

namespace PeerMesh.EndToEnd.Tests.Netns;

public sealed class MeshStatusTests
{
    private const string Contract = """
        {"version":1,"node":{"id":"aa","name":"h1","gossipPort":40001},
         "repos":[{"id":"r1","name":"repo","url":"git://198.18.0.1:9418/"}],
         "peers":[{"id":"bb","name":"h2","state":"suspect","address":"198.18.0.2:40002","lastSeen":"2024-01-01T00:00:00Z",
                   "foundBy":["seed","gossip"],
                   "remotes":[{"repo":"r1","remote":"h2","lastFetch":{"at":"2024-01-01T00:00:01Z","ok":false,"error":"timeout"},
                               "nextFetch":null,"branches":[{"name":"main","ahead":1,"behind":2}]}]}],
         "discovery":{"mdns":"degraded"}}
        """;

    [Fact]
    public void Parse_ContractExample_ReadsEveryField()
    {
        var status = MeshStatus.Parse(Contract);

        Assert.Equal(new MeshStatusNode("aa", "h1", 40001), status.Node);
        Assert.Equal(new MeshStatusRepo("r1", "repo", "git://198.18.0.1:9418/"), Assert.Single(status.Repos));
        var peer = Assert.Single(status.Peers);
        Assert.Same(peer, status.Peer("bb"));
        Assert.Equal(("h2", "suspect", false), (peer.Name, peer.State, peer.IsAlive));
        Assert.True(peer.WasFoundBy("gossip"));
        Assert.False(peer.WasFoundBy("mdns"));
        var remote = Assert.Single(peer.Remotes!);
        Assert.Equal("h2", remote.Remote);
        Assert.Equal((false, "timeout"), (remote.LastFetch!.Ok, remote.LastFetch.Error));
        Assert.Equal(new MeshStatusBranch("main", 1, 2), Assert.Single(remote.Branches!));
        Assert.True(status.SaysDiscoveryDegraded);
    }

    [Fact]
    public void SaysDiscoveryDegraded_NoDiscoveryMember_False()
    {
        var status = MeshStatus.Parse("""{"version":1,"node":{"id":"aa","name":"h1","gossipPort":1},"repos":[],"peers":[]}""");

        Assert.False(status.SaysDiscoveryDegraded);
        Assert.Null(status.Peer("bb"));
    }

    [Theory]
    [InlineData("""{"version":2,"node":{"id":"aa","gossipPort":1},"repos":[],"peers":[]}""")]
    [InlineData("""{"version":1,"repos":[],"peers":[]}""")]
    [InlineData("not json")]
    [InlineData("")]
    public void Parse_NotTheV1Contract_Throws(string json)
    {
        Assert.Throws<FormatException>(() => MeshStatus.Parse(json));
    }
}
