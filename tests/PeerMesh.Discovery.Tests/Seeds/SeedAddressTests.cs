using PeerMesh.Discovery.Seeds;
using Xunit;

namespace PeerMesh.Discovery.Tests.Seeds;

public sealed class SeedAddressTests
{
    [Theory]
    [InlineData("alice.local:9419", "alice.local", 9419)]
    [InlineData("192.0.2.7:1", "192.0.2.7", 1)]
    [InlineData("[2001:db8::7]:65535", "2001:db8::7", 65535)]
    [InlineData("  host-1:9419 ", "host-1", 9419)]
    public void Parse_Valid_HostAndPort(string text, string host, int port) =>
        Assert.Equal(new SeedAddress(host, port), SeedAddress.Parse(text));

    [Theory]
    [InlineData("x")]
    [InlineData("host:")]
    [InlineData(":9419")]
    [InlineData("host:0")]
    [InlineData("host:65536")]
    [InlineData("host:+1")]
    [InlineData("2001:db8::7:9419")]
    [InlineData("[2001:db8::7]")]
    [InlineData("[not-v6]:9419")]
    [InlineData("a b:9419")]
    [InlineData("-host:9419")]
    [InlineData("")]
    public void Parse_Invalid_ClearCommandLineMessage(string text)
    {
        var error = Assert.Throws<FormatException>(() => SeedAddress.Parse(text));

        Assert.StartsWith($"invalid --peer '{text}': expected HOST:PORT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_IPv6_Bracketed() => Assert.Equal("[::1]:9419", new SeedAddress("::1", 9419).ToString());
}
