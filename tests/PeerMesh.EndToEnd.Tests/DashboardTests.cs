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

        var page = await OpenAsync(url);
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

    /// <summary>
    /// Issue 14: the dashboard draws who holds whose work and the path it came by. Alice commits, bob fetches it, alice
    /// goes; carol, seeded only to bob, gets alice's work from him: her dashboard shows alice offline, an arrow from
    /// alice to bob (relayed) and one from bob to carol.
    /// </summary>
    [Fact]
    public async Task Dashboard_AuthorOfflineWorkRelayed_DrawsTheAuthorThroughTheRelay()
    {
        if (!File.Exists(ChromiumPath))
        {
            Assert.Skip($"{ChromiumPath} is not installed (.ci/run installs Debian's chromium)");
        }

        var (a, repoA) = await _mesh.StartCloneAsync("alice", seed: null, extra: null, Token);
        var (b, repoB) = await _mesh.StartCloneAsync("bob", a, extra: null, Token);
        var aliceId = (string)(await a.WaitUntilUpAsync(Token))["node"]!["id"]!;
        var commit = repoA.Commit("alice's work");
        await _mesh.UntilAsync(
            () => repoB.TryRevParse("refs/remotes/alice/main") == commit && repoB.TryRevParse($"refs/peermesh/{aliceId}/statement") is not null,
            "alice's work reaches bob, with her statement",
            s_wait,
            Token);
        var (code, _, stderr) = await a.RunAsync(["down", "--all"], Token);
        Assert.True(code == 0, stderr);
        await a.Process.WaitForExitAsync(Token);
        var (c, repoC) = await _mesh.StartCloneAsync("carol", b, ["--web", "127.0.0.1:0"], Token);
        await _mesh.UntilAsync(() => repoC.TryRevParse("refs/remotes/alice/main") == commit, "alice's work reaches carol through bob", s_wait, Token);

        var page = await OpenAsync(DashboardUrl(c));

        await WaitForAsync(page, "document.querySelector('svg.paths g.mesh-node.offline[data-name=\"alice\"]') !== null");
        await WaitForAsync(page, "document.querySelector('svg.paths line.relayed[data-from=\"alice\"][data-to=\"bob\"]') !== null");
        await WaitForAsync(page, "document.querySelector('svg.paths line.direct[data-from=\"bob\"][data-to=\"carol\"]') !== null");
        Assert.Contains("alice (offline, ", await page.EvaluateExpressionAsync<string>("document.querySelector('svg.paths g[data-name=\"alice\"] text').textContent"), StringComparison.Ordinal);
        Assert.Equal(aliceId, await page.EvaluateExpressionAsync<string>("document.querySelector('svg.paths g[data-name=\"alice\"]').dataset.peer"));
        Assert.Equal(0, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('svg.paths line[data-from=\"alice\"][data-to=\"carol\"]').length"));
        var screenshot = await page.ScreenshotDataAsync();
        await File.WriteAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "dashboard-relayed.png"), screenshot, Token);
        TestContext.Current.AddAttachment("dashboard-relayed.png", screenshot, "image/png");
    }

    private async Task<IPage> OpenAsync(Uri url)
    {
        _browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
            DefaultViewport = new ViewPortOptions { Width = 1280, Height = 800 },
        });
        var page = await _browser.NewPageAsync();
        await page.GoToAsync(url.ToString());
        return page;
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
