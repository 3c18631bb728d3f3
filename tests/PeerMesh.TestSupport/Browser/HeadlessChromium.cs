using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PeerMesh.TestSupport.Browser;

/// <summary>
/// Debian's headless Chromium driven over the Chrome DevTools protocol (no npm, no downloaded
/// browser): navigate, evaluate JavaScript, take a screenshot. Killed with its profile on dispose.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public static bool IsInstalled => File.Exists(ExecutablePath);

    public static async Task<HeadlessChromium> LaunchAsync(CancellationToken cancellationToken)
    {
        var profile = Directory.CreateTempSubdirectory("peermesh-chromium-").FullName;
        var info = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--window-size=1280,800", "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1", $"--user-data-dir={profile}", "about:blank",
        })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        var browser = new HeadlessChromium(process, profile);
        try
        {
            var port = await ReadDevToolsPortAsync(process, cancellationToken);
            using var http = new HttpClient();
            var targets = await http.GetFromJsonAsync<JsonArray>($"http://127.0.0.1:{port}/json/list", cancellationToken);
            var page = targets!.First(t => (string?)t!["type"] == "page")!;
            await browser._socket.ConnectAsync(new Uri((string)page["webSocketDebuggerUrl"]!), cancellationToken);
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    public async Task NavigateAsync(Uri url, CancellationToken cancellationToken)
    {
        await SendAsync("Page.enable", new JsonObject(), cancellationToken);
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() }, cancellationToken);
    }

    /// <summary>Evaluates an expression in the page and returns its value as JSON.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression, CancellationToken cancellationToken)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true }, cancellationToken);
        return result["result"]?["value"];
    }

    /// <summary>Polls <paramref name="expression"/> until it is true or the timeout passes.</summary>
    public async Task WaitForAsync(string expression, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            if ((await EvaluateAsync(expression, cancellationToken))?.GetValueKind() == JsonValueKind.True)
            {
                return;
            }

            if (Stopwatch.GetElapsedTime(start) > timeout)
            {
                var body = await EvaluateAsync("document.body ? document.body.innerText : ''", cancellationToken);
                throw new TimeoutException($"'{expression}' not true within {timeout}; page text:\n{body}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    public async Task<byte[]> ScreenshotAsync(CancellationToken cancellationToken)
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" }, cancellationToken);
        return Convert.FromBase64String((string)result["data"]!);
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<int> ReadDevToolsPortAsync(Process process, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
        {
            const string Marker = "DevTools listening on ws://127.0.0.1:";
            var at = line.IndexOf(Marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                var rest = line[(at + Marker.Length)..];
                return int.Parse(rest[..rest.IndexOf('/', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("chromium exited before opening its DevTools port");
    }

    private async Task<JsonNode> SendAsync(string method, JsonObject parameters, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var request = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(request.ToJsonString()), WebSocketMessageType.Text, true, cancellationToken);
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await _socket.ReceiveAsync(buffer, cancellationToken);
                message.Write(buffer, 0, received.Count);
            }
            while (!received.EndOfMessage);

            var node = JsonNode.Parse(message.ToArray())!;
            if ((int?)node["id"] != id)
            {
                continue; // an event, or the answer to something else
            }

            return node["error"] is { } error
                ? throw new InvalidOperationException($"{method} failed: {error.ToJsonString()}")
                : node["result"]!;
        }
    }
}
