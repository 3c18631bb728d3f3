using PeerMesh.Discovery.Dns;
using Xunit;

namespace PeerMesh.Discovery.Tests.Dns;

public sealed class DnsNameTests
{
    [Fact]
    public void Parse_EscapedDot_StaysInLabel()
    {
        var name = DnsName.Parse(@"My\.Node._peermesh._udp.local");

        Assert.Equal(["My.Node", "_peermesh", "_udp", "local"], name.Labels);
        Assert.Equal(@"My\.Node._peermesh._udp.local", name.ToString());
    }

    [Fact]
    public void Equals_DifferentAsciiCase_IsEqual()
    {
        Assert.Equal(DnsName.Parse("Foo.LOCAL"), DnsName.Parse("foo.local"));
        Assert.Equal(DnsName.Parse("Foo.LOCAL").GetHashCode(), DnsName.Parse("foo.local").GetHashCode());
        Assert.NotEqual(DnsName.Parse("foo.local"), DnsName.Parse("foo.bar.local"));
    }

    [Fact]
    public void FromLabels_LabelOver63Bytes_Throws()
    {
        Assert.Throws<ArgumentException>(() => DnsName.FromLabels(new string('a', 64), "local"));
        Assert.Throws<ArgumentException>(() => DnsName.FromLabels(Enumerable.Repeat(new string('a', 63), 4)));
    }

    [Fact]
    public void IsSubdomainOf_ServiceInstance_IsTrue()
    {
        Assert.True(DnsName.Parse("x._git._tcp.local").IsSubdomainOf(DnsName.Parse("_GIT._tcp.local")));
        Assert.False(DnsName.Parse("_tcp.local").IsSubdomainOf(DnsName.Parse("_git._tcp.local")));
    }
}
