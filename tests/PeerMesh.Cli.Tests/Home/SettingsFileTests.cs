using System.Net;
using PeerMesh.Cli.Home;
using PeerMesh.Cli.Settings;
using Xunit;

namespace PeerMesh.Cli.Tests.Home;

public sealed class SettingsFileTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("peermesh-home-");

    public SettingsFileTests() =>
        SettingsFile.Write(Home, new NodeSettings
        {
            Name = "alice",
            Listen = IPAddress.Loopback,
            GitPort = 0,
            GossipPort = 9500,
            Peers = ["10.0.0.5:9419"],
            Mdns = false,
            FetchInterval = TimeSpan.FromSeconds(60),
        });

    private NodeHome Home => NodeHome.Resolve(_folder.FullName, _ => null);

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void Conflict_SameValuesOrNoFlags_None()
    {
        Assert.Null(SettingsFile.Conflict(Home, new CommandLineSettings(), null, webGiven: false));
        Assert.Null(SettingsFile.Conflict(
            Home,
            new CommandLineSettings { Name = "alice", Listen = "127.0.0.1", GitPort = 0, GossipPort = 9500, Peers = ["10.0.0.5:9419"], NoMdns = true, FetchIntervalSeconds = 60 },
            null,
            webGiven: false));
    }

    [Theory]
    [InlineData("--name")]
    [InlineData("--listen")]
    [InlineData("--git-port")]
    [InlineData("--gossip-port")]
    [InlineData("--peer")]
    [InlineData("--fetch-interval")]
    [InlineData("--web")]
    public void Conflict_OneFlagDiffers_NamesIt(string flag)
    {
        var flags = flag switch
        {
            "--name" => new CommandLineSettings { Name = "bob" },
            "--listen" => new CommandLineSettings { Listen = "::" },
            "--git-port" => new CommandLineSettings { GitPort = 9418 },
            "--gossip-port" => new CommandLineSettings { GossipPort = 9419 },
            "--peer" => new CommandLineSettings { Peers = ["10.0.0.6:9419"] },
            "--fetch-interval" => new CommandLineSettings { FetchIntervalSeconds = 5 },
            _ => new CommandLineSettings(),
        };

        var conflict = SettingsFile.Conflict(Home, flags, flag == "--web" ? new IPEndPoint(IPAddress.Loopback, 9420) : null, webGiven: flag == "--web");

        Assert.Equal(flag, conflict?.Flag);
    }
}
