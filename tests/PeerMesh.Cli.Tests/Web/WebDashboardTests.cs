using System.Net;
using System.Net.Sockets;
using System.Text;
using PeerMesh.Cli.Tests.Status;
using PeerMesh.Cli.Web;
using Xunit;

namespace PeerMesh.Cli.Tests.Web;

/// <summary>
/// The real Kestrel app of <c>up --web</c> on loopback, spoken to over raw HTTP so every header is the test's own.
/// HOSTILE 55: a page that rebinds its own name to 127.0.0.1 sends its own name as Host and must read nothing.
/// </summary>
public sealed class WebDashboardTests : IAsyncDisposable
{
    private static readonly string s_nodeId = StatusTextTests.KnownMesh().Node.Id;
    private WebDashboard? _dashboard;

    public static TheoryData<string> Paths => ["/", "/api/status", "/api/commits", "/no-such-page"];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        if (_dashboard is not null)
        {
            await _dashboard.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Get_ForeignHost_Refused400WithNothingOfTheStatus(string path)
    {
        var port = await StartAsync(IPAddress.Loopback);

        var (status, response) = await GetAsync(IPAddress.Loopback, port, $"GET {path} HTTP/1.1\r\nHost: attacker.example:{port}\r\nConnection: close\r\n\r\n");

        Assert.Equal(400, status);
        Assert.Equal("", Body(response));
        Assert.DoesNotContain(s_nodeId, response, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    [InlineData("[::1]")]
    [InlineData("LOCALHOST")]
    public async Task Get_LoopbackName_StatusServed(string host)
    {
        var port = await StartAsync(IPAddress.Loopback);

        var (status, response) = await GetAsync(IPAddress.Loopback, port, $"GET /api/status HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, status);
        Assert.Contains(s_nodeId, response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_ConfiguredAddressAsHost_Served()
    {
        // Any 127/8 address is on lo: one that is neither a loopback name nor 127.0.0.1 stands for --web ADDR:PORT.
        var address = IPAddress.Parse("127.0.0.2");
        var port = await StartAsync(address);

        var (status, response) = await GetAsync(address, port, $"GET /api/status HTTP/1.1\r\nHost: 127.0.0.2:{port}\r\nConnection: close\r\n\r\n");
        var (foreign, _) = await GetAsync(address, port, $"GET /api/status HTTP/1.1\r\nHost: 127.0.0.3:{port}\r\nConnection: close\r\n\r\n");

        Assert.Equal(200, status);
        Assert.Contains(s_nodeId, response, StringComparison.Ordinal);
        Assert.Equal(400, foreign);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Get_NoHostHeader_Refused400(string path)
    {
        var port = await StartAsync(IPAddress.Loopback);

        var (http11, response11) = await GetAsync(IPAddress.Loopback, port, $"GET {path} HTTP/1.1\r\nConnection: close\r\n\r\n");
        var (http10, response10) = await GetAsync(IPAddress.Loopback, port, $"GET {path} HTTP/1.0\r\n\r\n");

        Assert.Equal(400, http11);
        Assert.Equal(400, http10);
        Assert.DoesNotContain(s_nodeId, response11 + response10, StringComparison.Ordinal);
    }

    [Fact]
    public void AllowedHosts_WildcardAddress_MachineNameAndInterfacesButNoWildcard()
    {
        var hosts = WebDashboard.AllowedHosts(new IPEndPoint(IPAddress.IPv6Any, 9420));

        Assert.Contains("localhost", hosts);
        Assert.Contains("127.0.0.1", hosts);
        Assert.Contains("[::1]", hosts);
        Assert.Contains(Dns.GetHostName(), hosts);
        Assert.DoesNotContain("*", hosts);
        Assert.DoesNotContain("[::]", hosts);
    }

    [Fact]
    public async Task StartAsync_PortTaken_OneLineErrorNamingTheAddress()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var endPoint = (IPEndPoint)taken.LocalEndpoint;
        _dashboard = new WebDashboard(endPoint, StatusTextTests.KnownMesh, () => []);

        var error = await Assert.ThrowsAsync<CliException>(() => _dashboard.StartAsync(Token));

        Assert.Equal(ExitCodes.Failure, error.ExitCode);
        Assert.Equal($"cannot open the dashboard at {endPoint}: address already in use; choose another with --web ADDR:PORT, or --web 0 for any free port", error.Message);
    }

    [Theory]
    [InlineData("http://0.0.0.0:9420", "http://localhost:9420/")]
    [InlineData("http://[::]:9420", "http://localhost:9420/")]
    [InlineData("http://127.0.0.1:9420", "http://127.0.0.1:9420/")]
    [InlineData("http://[::1]:9420", "http://[::1]:9420/")]
    public void BrowsableAddress_Bound_WildcardShownAsLocalhost(string bound, string shown)
    {
        Assert.Equal(shown, WebDashboard.BrowsableAddress(new Uri(bound)).ToString());
    }

    private async Task<int> StartAsync(IPAddress address)
    {
        _dashboard = new WebDashboard(new IPEndPoint(address, 0), StatusTextTests.KnownMesh, () => []);
        await _dashboard.StartAsync(Token);
        return _dashboard.Address.Port;
    }

    /// <summary>Sends one request as written and reads the answer until the server closes.</summary>
    private static async Task<(int Status, string Response)> GetAsync(IPAddress address, int port, string request)
    {
        using var client = new TcpClient(address.AddressFamily);
        await client.ConnectAsync(address, port, Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync(Token);
        var statusLine = response.Split("\r\n")[0].Split(' ');
        return (int.Parse(statusLine[1], System.Globalization.CultureInfo.InvariantCulture), response);
    }

    private static string Body(string response) => response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
}
