using System.Net;
using PeerMesh.Sync.Remotes;
using Xunit;

namespace PeerMesh.Sync.Tests.Remotes;

public sealed class RemoteUrlTests
{
    [Theory]
    [InlineData("192.168.1.20", 9418, "/", "git://192.168.1.20:9418/")]
    [InlineData("127.0.0.1", 1234, "/repo", "git://127.0.0.1:1234/repo")]
    [InlineData("::1", 9418, "/a/b.git", "git://[::1]:9418/a/b.git")]
    [InlineData("fe80::1%3", 9418, "/r", "git://[fe80::1]:9418/r")]
    [InlineData("::ffff:10.0.0.1", 9418, "/r", "git://10.0.0.1:9418/r")]
    public void TryBuild_ValidParts_GitUrl(string address, int port, string path, string expected)
    {
        Assert.Equal(expected, RemoteUrl.TryBuild(IPAddress.Parse(address), port, path));
    }

    [Theory]
    [InlineData("0.0.0.0", 9418, "/r")]
    [InlineData("::", 9418, "/r")]
    [InlineData("224.0.0.251", 9418, "/r")]
    [InlineData("ff02::fb", 9418, "/r")]
    [InlineData("255.255.255.255", 9418, "/r")]
    [InlineData("10.0.0.1", 0, "/r")]
    [InlineData("10.0.0.1", 70000, "/r")]
    [InlineData("10.0.0.1", 9418, "../etc")]
    [InlineData("10.0.0.1", 9418, "/../etc")]
    [InlineData("10.0.0.1", 9418, "/--upload-pack=touch")]
    [InlineData("10.0.0.1", 9418, "/a b")]
    [InlineData("10.0.0.1", 9418, "/a\nb")]
    [InlineData("10.0.0.1", 9418, "~user/r")]
    [InlineData("10.0.0.1", 9418, "file:///etc")]
    [InlineData("10.0.0.1", 9418, "")]
    public void TryBuild_HostileParts_Null(string address, int port, string path)
    {
        Assert.Null(RemoteUrl.TryBuild(IPAddress.Parse(address), port, path));
    }

    [Theory]
    [InlineData("git://10.0.0.1:9418/r", true)]
    [InlineData("file:///etc", false)]
    [InlineData("ext::sh -c touch% /tmp/x", false)]
    [InlineData("ssh://-oProxyCommand=x/r", false)]
    [InlineData("/local/path", false)]
    public void IsManagedShape_Urls_Expected(string url, bool expected)
    {
        Assert.Equal(expected, RemoteUrl.IsManagedShape(url));
    }

    [Theory]
    [InlineData("git://10.0.0.1:9418/r", "10.0.0.1", 9418, "/r")]
    [InlineData("git://[::1]:1234/a/b", "::1", 1234, "/a/b")]
    [InlineData("git://127.0.0.1:9418/", "127.0.0.1", 9418, "/")]
    public void TryParse_BuiltUrl_RoundTrips(string url, string address, int port, string path)
    {
        Assert.True(RemoteUrl.TryParse(url, out var endPoint, out var parsedPath));

        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), endPoint);
        Assert.Equal(path, parsedPath);
        Assert.Equal(url, RemoteUrl.TryBuild(endPoint!.Address, endPoint.Port, parsedPath));
    }

    [Theory]
    [InlineData("git://example.com:9418/r")]
    [InlineData("git://10.0.0.1/r")]
    [InlineData("git://10.0.0.1:9418/../x")]
    [InlineData("git://10.0.0.1:9418/%2e%2e/x")]
    [InlineData("git://user@10.0.0.1:9418/r")]
    [InlineData("file:///etc")]
    [InlineData("ssh://-oProxyCommand=x/r")]
    [InlineData("git://0.0.0.0:9418/r")]
    [InlineData(null)]
    public void TryParse_OtherUrls_Refused(string? url)
    {
        Assert.False(RemoteUrl.TryParse(url, out _, out _));
    }
}
