using System.Collections.Immutable;
using System.Net;
using PeerMesh.Discovery.Mdns;
using Xunit;

namespace PeerMesh.Discovery.Tests.Mdns;

public sealed class MdnsInterfaceTests
{
    private static readonly MdnsInterface s_dualStack = new(
        2,
        "eth0",
        [IPAddress.Parse("198.18.7.1"), IPAddress.Parse("2001:db8:1::1")],
        MdnsInterface.NetworksOf([(IPAddress.Parse("198.18.7.1"), 24), (IPAddress.Parse("2001:db8:1::1"), 64)]));

    [Theory]
    [InlineData("198.18.7.2", true)]
    [InlineData("198.18.7.255", true)]
    [InlineData("198.18.8.2", false)]
    [InlineData("198.19.7.2", false)]
    [InlineData("8.8.8.8", false)]
    [InlineData("169.254.3.4", true)]
    [InlineData("::ffff:198.18.7.9", true)]
    [InlineData("::ffff:198.18.9.9", false)]
    [InlineData("2001:db8:1::99", true)]
    [InlineData("2001:db8:2::1", false)]
    [InlineData("fe80::1234", true)]
    [InlineData("fec0::1", false)]
    public void IsOnLink_Source_WithinThePrefixesOrLinkLocal(string source, bool expected) =>
        Assert.Equal(expected, s_dualStack.IsOnLink(IPAddress.Parse(source)));

    [Fact]
    public void IsOnLink_PrefixesUnknown_EverySourceAccepted()
    {
        var unknown = new MdnsInterface(2, "eth0", [IPAddress.Parse("198.18.7.1")]);

        Assert.True(unknown.IsOnLink(IPAddress.Parse("8.8.8.8")));
    }

    [Fact]
    public void NetworkOf_HostBitsSet_ClearedAndScopeDropped()
    {
        Assert.Equal(new IPNetwork(IPAddress.Parse("198.18.7.0"), 24), MdnsInterface.NetworkOf(IPAddress.Parse("198.18.7.1"), 24));
        Assert.Equal(new IPNetwork(IPAddress.Parse("10.0.0.0"), 9), MdnsInterface.NetworkOf(IPAddress.Parse("10.127.255.255"), 9));
        Assert.Equal(new IPNetwork(IPAddress.Parse("fe80::"), 64), MdnsInterface.NetworkOf(IPAddress.Parse("fe80::1%3"), 64));
    }

    [Fact]
    public void Equals_DifferentPrefixes_NotEqual()
    {
        var narrow = s_dualStack with { Networks = ImmutableArray.Create(MdnsInterface.NetworkOf(IPAddress.Parse("198.18.7.1"), 25)) };

        Assert.NotEqual(s_dualStack, narrow);
        Assert.Equal(s_dualStack, s_dualStack with { });
    }
}
