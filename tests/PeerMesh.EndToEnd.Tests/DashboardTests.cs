using PeerMesh.TestSupport.Browser;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.EndToEnd.Tests;

/// <summary>The <c>--web</c> dashboard of a real node, in Debian's headless Chromium.</summary>
public sealed class DashboardTests : IAsyncDisposable
{
    private readonly LoopbackMesh _mesh = new();
    private HeadlessChromium? _browser;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        await _mesh.DisposeAsync();
    }

    [Fact]
    public async Task Dashboard_TwoNodes_ShowsPeerAndACommitMadeAfterLoadWithoutReload()
    {
        if (!HeadlessChromium.IsInstalled)
        {
            Assert.Skip($"{HeadlessChromium.ExecutablePath} is not installed (.ci/run installs Debian's chromium)");
        }

        var (a, _) = await _mesh.StartCloneAsync("alice", seed: null, ["--web", "127.0.0.1:0"], Token);
        var (_, bob) = await _mesh.StartCloneAsync("bob", a, extra: null, Token);
        var url = DashboardUrl(a);

        var browser = _browser = await HeadlessChromium.LaunchAsync(Token);
        await browser.NavigateAsync(url, Token);
        await browser.WaitForAsync("[...document.querySelectorAll('tr.peer')].some(r => r.textContent.includes('bob') && r.textContent.includes('alive'))", TimeSpan.FromSeconds(30), Token);
        await browser.EvaluateAsync("window.loadMarker = 'same page'", Token);

        var commit = bob.Commit("bob fixes the checkout page");

        await browser.WaitForAsync(
            "[...document.querySelectorAll('tr.commit-row')].some(r => r.textContent.includes('bob fixes the checkout page'))",
            TimeSpan.FromSeconds(30),
            Token);
        await browser.WaitForAsync("[...document.querySelectorAll('.newest')].some(e => e.textContent.includes('main +1'))", TimeSpan.FromSeconds(30), Token);
        Assert.Equal("same page", (string?)await browser.EvaluateAsync("window.loadMarker", Token));
        Assert.Contains(commit[..10], (string?)await browser.EvaluateAsync("document.body.innerText", Token), StringComparison.Ordinal);

        var screenshot = await browser.ScreenshotAsync(Token);
        Assert.True(screenshot.Length > 1000);
        var path = Path.Combine(AppContext.BaseDirectory, "dashboard.png");
        await File.WriteAllBytesAsync(path, screenshot, Token);
        TestContext.Current.AddAttachment("dashboard.png", screenshot, "image/png");
    }

    private static Uri DashboardUrl(NodeProcess node)
    {
        const string Marker = "dashboard at ";
        var line = node.Log.Split('\n').First(l => l.Contains(Marker, StringComparison.Ordinal));
        return new Uri(line[(line.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..].Trim());
    }
}
