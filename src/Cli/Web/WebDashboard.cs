using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PeerMesh.Cli.Control;
using PeerMesh.Cli.Logging;
using PeerMesh.Cli.Status;

namespace PeerMesh.Cli.Web;

/// <summary>
/// The local dashboard of <c>up --web</c>: one self-contained page (no CDN, no download) that polls
/// <c>/api/status</c> (the same document as <c>status --json</c>) and <c>/api/commits</c>.
/// Bound to loopback unless another address is asked for. Answers only requests addressed to a name it listens as
/// (HOSTILE 55): a web page elsewhere that rebinds its own name to 127.0.0.1 must not read the status.
/// </summary>
internal sealed class WebDashboard : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IPEndPoint _endPoint;

    public WebDashboard(IPEndPoint endPoint, Func<StatusDocument> status, Func<IReadOnlyList<PeerCommits>> commits)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => o.Listen(endPoint));
        // The web host puts host filtering first in the pipeline (a startup filter); these are its options.
        builder.Services.AddHostFiltering(o =>
        {
            o.AllowedHosts = AllowedHosts(endPoint);
            // HTTP/1.0 may leave the Host out; a browser always sends it, so no Host is no browser of ours.
            o.AllowEmptyHosts = false;
            o.IncludeFailureMessage = false;
        });
        _endPoint = endPoint;
        _app = builder.Build();
        var page = ReadPage();
        _app.MapGet("/", () => Results.Content(page, "text/html; charset=utf-8"));
        _app.MapGet("/api/status", () => Results.Text(JsonSerializer.Serialize(status(), ControlJson.Options), "application/json"));
        _app.MapGet("/api/commits", () => Results.Text(JsonSerializer.Serialize(commits(), ControlJson.Options), "application/json"));
        _app.Use(async (context, next) =>
        {
            // The page is served to a browser on this machine: no framing, no sniffing, no third-party anything.
            context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; frame-ancestors 'none'";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            await next(context);
        });
    }

    /// <summary>The address actually bound (port 0 picks a free one).</summary>
    public Uri Address { get; private set; } = new("http://127.0.0.1/");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new CliException($"cannot open the dashboard at {_endPoint}: {MessageText.Inline(e.InnerException?.Message ?? e.Message)}; choose another with --web ADDR:PORT, or --web 0 for any free port", ExitCodes.Failure);
        }

        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Address = BrowsableAddress(new Uri(addresses.First()));
    }

    /// <summary>
    /// http://0.0.0.0:9420/ is no address a browser should be sent to (nor one the host filter allows): a wildcard
    /// is shown as localhost, which it also listens as.
    /// </summary>
    internal static Uri BrowsableAddress(Uri bound) =>
        IPAddress.TryParse(bound.Host, out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
            ? new UriBuilder(bound) { Host = "localhost" }.Uri
            : bound;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Parses <c>ADDR:PORT</c>, <c>PORT</c> or nothing (127.0.0.1:9420).</summary>
    public static IPEndPoint ParseEndPoint(string? text)
    {
        const int DefaultPort = 9420;
        if (string.IsNullOrEmpty(text))
        {
            return new IPEndPoint(IPAddress.Loopback, DefaultPort);
        }

        if (int.TryParse(text, out var port) && port is >= 0 and <= 65535)
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        return IPEndPoint.TryParse(text, out var endPoint) && text.Contains(':', StringComparison.Ordinal)
            ? endPoint
            : throw new CliException($"invalid --web '{text}': expected ADDR:PORT, PORT, or nothing for 127.0.0.1:{DefaultPort}", ExitCodes.Usage);
    }

    /// <summary>
    /// The host names a browser on this machine uses for the dashboard: the loopback names and the address given
    /// with --web; for a wildcard address, also the machine's name and its interfaces' addresses. Ports are not
    /// compared (host filtering matches names only); none of these names can be rebound by a web page.
    /// </summary>
    internal static List<string> AllowedHosts(IPEndPoint endPoint)
    {
        var addresses = new List<IPAddress> { IPAddress.Loopback, IPAddress.IPv6Loopback };
        var names = new List<string> { "localhost" };
        if (!endPoint.Address.Equals(IPAddress.Any) && !endPoint.Address.Equals(IPAddress.IPv6Any))
        {
            addresses.Add(endPoint.Address);
        }
        else
        {
            names.Add(Dns.GetHostName());
            addresses.AddRange(NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address));
        }

        return [.. names.Concat(addresses.Select(HostName)).Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>An address as it appears in a Host header: IPv6 in brackets, without a zone (browsers send none).</summary>
    private static string HostName(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return $"[{new IPAddress(address.GetAddressBytes())}]";
        }

        return address.ToString();
    }

    private static string ReadPage()
    {
        using var stream = typeof(WebDashboard).Assembly.GetManifestResourceStream("dashboard.html")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
