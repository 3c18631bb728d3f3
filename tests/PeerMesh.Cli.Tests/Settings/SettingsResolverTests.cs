using System.Net;
using PeerMesh.Cli.Settings;
using PeerMesh.Sync.LocalRepo;
using Xunit;

namespace PeerMesh.Cli.Tests.Settings;

public sealed class SettingsResolverTests
{
    private static PeerMeshConfig Config(params (string Key, string Value)[] values) =>
        PeerMeshConfig.FromValues(values.Select(v => KeyValuePair.Create(v.Key, v.Value)));

    [Fact]
    public void Resolve_NothingGiven_UsesDefaults()
    {
        var settings = SettingsResolver.Resolve(new CommandLineSettings(), PeerMeshConfig.Empty, "host-a");

        Assert.Equal("host-a", settings.Name);
        Assert.Null(settings.Listen);
        Assert.Equal(9418, settings.GitPort);
        Assert.Equal(9419, settings.GossipPort);
        Assert.True(settings.Mdns);
        Assert.Empty(settings.Peers);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.FetchInterval);
    }

    [Fact]
    public void Resolve_ConfigOnly_UsesConfig()
    {
        var config = Config(("name", "from-config"), ("listen", "127.0.0.1"), ("gitPort", "0"), ("gossipPort", "7000"), ("mdns", "false"), ("fetchInterval", "30"), ("meshKeyFile", "/k"));

        var settings = SettingsResolver.Resolve(new CommandLineSettings(), config, "host-a");

        Assert.Equal("from-config", settings.Name);
        Assert.Equal(IPAddress.Loopback, settings.Listen);
        Assert.Equal(0, settings.GitPort);
        Assert.Equal(7000, settings.GossipPort);
        Assert.False(settings.Mdns);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.FetchInterval);
        Assert.Equal(["/k"], settings.MeshKeyFiles);
    }

    [Fact]
    public void Resolve_FlagAndConfig_FlagWins()
    {
        var config = Config(("name", "from-config"), ("gitPort", "1234"), ("listen", "127.0.0.1"));
        var flags = new CommandLineSettings { Name = "from-flag", GitPort = 0, Listen = "::1" };

        var settings = SettingsResolver.Resolve(flags, config, "host-a");

        Assert.Equal("from-flag", settings.Name);
        Assert.Equal(0, settings.GitPort);
        Assert.Equal(IPAddress.IPv6Loopback, settings.Listen);
    }

    [Fact]
    public void Resolve_PeersFromFlagsAndConfig_AddUp()
    {
        var config = Config(("peer", "c:3"), ("peer", "d:4"));
        var flags = new CommandLineSettings { Peers = ["a:1", "b:2"] };

        var settings = SettingsResolver.Resolve(flags, config, "host-a");

        Assert.Equal(["a:1", "b:2", "c:3", "d:4"], settings.Peers);
    }

    [Fact]
    public void Resolve_MeshKeyFiles_FlagsReplaceConfigAndKeepOrder()
    {
        var config = Config(("meshKeyFile", "/old"), ("meshKeyFile", "/new"));

        Assert.Equal(["/old", "/new"], SettingsResolver.Resolve(new CommandLineSettings(), config, "h").MeshKeyFiles);
        Assert.Equal(["/b", "/a"], SettingsResolver.Resolve(new CommandLineSettings { MeshKeyFiles = ["/b", "/a"] }, config, "h").MeshKeyFiles);
    }

    [Fact]
    public void Resolve_NoMdnsFlag_WinsOverConfigTrue()
    {
        var settings = SettingsResolver.Resolve(new CommandLineSettings { NoMdns = true }, Config(("mdns", "true")), "h");

        Assert.False(settings.Mdns);
    }

    [Theory]
    [InlineData("listen", "not-an-ip", "invalid listen address")]
    [InlineData("gitPort", "abc", "invalid peermesh.gitPort")]
    [InlineData("gitPort", "70000", "invalid peermesh.gitPort 70000")]
    [InlineData("mdns", "maybe", "invalid peermesh.mdns")]
    [InlineData("fetchInterval", "0", "invalid fetch interval")]
    [InlineData("name", "bad\nname", "invalid node name 'bad?name'")]
    [InlineData("trust", "nonsense", "invalid peermesh.trust 'nonsense'")]
    [InlineData("trust", "3ff772e3", "invalid peermesh.trust '3ff772e3'")]
    [InlineData("trust", "0123456789abcdef0123456789abcdeg", "invalid peermesh.trust '0123456789abcdef0123456789abcdeg'")]
    public void Resolve_InvalidConfig_ThrowsOneLineUsageError(string key, string value, string expected)
    {
        var error = Assert.Throws<CliException>(() => SettingsResolver.Resolve(new CommandLineSettings(), Config((key, value)), "h"));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Resolve_FlagPortOutOfRange_ThrowsUsageError()
    {
        var error = Assert.Throws<CliException>(() => SettingsResolver.Resolve(new CommandLineSettings { GossipPort = -1 }, PeerMeshConfig.Empty, "h"));

        Assert.Equal("invalid --gossip-port -1: use 0 to 65535 (0 = any free port)", error.Message);
    }
}
