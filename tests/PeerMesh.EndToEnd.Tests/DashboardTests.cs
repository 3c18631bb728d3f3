using PeerMesh.TestSupport.Processes;
using PuppeteerSharp;
using Xunit;

namespace PeerMesh.EndToEnd.Tests;

/// <summary>The <c>--web</c> dashboard of a real node, in Debian's headless Chromium driven by PuppeteerSharp.</summary>
public sealed class DashboardTests : IAsyncDisposable
{
    /// <summary>The installed browser: PuppeteerSharp downloads none.</summary>
    private const string ChromiumPath = "/usr/bin/chromium";

    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    private readonly LoopbackMesh _mesh = new();
    private IBrowser? _browser;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            // Ends the browser process and deletes its temporary profile.
            await _browser.DisposeAsync();
        }

        await _mesh.DisposeAsync();
    }

    [Fact]
    public async Task Dashboard_TwoNodes_ShowsPeerAndACommitMadeAfterLoadWithoutReload()
    {
        if (!File.Exists(ChromiumPath))
        {
            Assert.Skip($"{ChromiumPath} is not installed (.ci/run installs Debian's chromium)");
        }

        var (a, _) = await _mesh.StartCloneAsync("alice", seed: null, ["--web", "127.0.0.1:0"], Token);
        var (_, bob) = await _mesh.StartCloneAsync("bob", a, extra: null, Token);
        var url = DashboardUrl(a);

        _browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
            DefaultViewport = new ViewPortOptions { Width = 1280, Height = 800 },
        });
        var page = await _browser.NewPageAsync();
        await page.GoToAsync(url.ToString());
        await WaitForAsync(page, "[...document.querySelectorAll('tr.peer')].some(r => r.textContent.includes('bob') && r.textContent.includes('alive'))");
        await page.EvaluateExpressionAsync("window.loadMarker = 'same page'");

        var commit = bob.Commit("bob fixes the checkout page");

        await WaitForAsync(page, "[...document.querySelectorAll('tr.commit-row')].some(r => r.textContent.includes('bob fixes the checkout page'))");
        await WaitForAsync(page, "[...document.querySelectorAll('.newest')].some(e => e.textContent.includes('main +1'))");
        Assert.Equal("same page", await page.EvaluateExpressionAsync<string>("window.loadMarker"));
        Assert.Contains(commit[..10], await page.EvaluateExpressionAsync<string>("document.body.innerText"), StringComparison.Ordinal);

        var screenshot = await page.ScreenshotDataAsync();
        Assert.True(screenshot.Length > 1000);
        var path = Path.Combine(AppContext.BaseDirectory, "dashboard.png");
        await File.WriteAllBytesAsync(path, screenshot, Token);
        TestContext.Current.AddAttachment("dashboard.png", screenshot, "image/png");
    }

    /// <summary>Waits until <paramref name="expression"/> is true in the page; a timeout shows what the page said.</summary>
    private static async Task WaitForAsync(IPage page, string expression)
    {
        try
        {
            await page.WaitForExpressionAsync(expression, new WaitForFunctionOptions { Timeout = (int)s_wait.TotalMilliseconds, PollingInterval = 100 }).WaitAsync(Token);
        }
        catch (WaitTaskTimeoutException)
        {
            var text = await page.EvaluateExpressionAsync<string>("document.body ? document.body.innerText : ''");
            throw new TimeoutException($"'{expression}' not true within {s_wait}; page text:\n{text}");
        }
    }

    private static Uri DashboardUrl(NodeProcess node)
    {
        const string Marker = "dashboard at ";
        var line = node.Log.Split('\n').First(l => l.Contains(Marker, StringComparison.Ordinal));
        return new Uri(line[(line.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..].Trim());
    }
}
