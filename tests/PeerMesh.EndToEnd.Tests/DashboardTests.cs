using PeerMesh.TestSupport.Browser;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.EndToEnd.Tests;

/// <summary>The <c>--web</c> dashboard of a real node, in Debian's headless Chromium.</summary>
public sealed class DashboardTests : IAsyncDisposable
{
    private readonly TempRepository _origin = TempRepository.Create(commits: 2);
    private readonly List<IAsyncDisposable> _cleanup = [];
    private readonly List<TempRepository> _repos = [];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(_cleanup))
        {
            await item.DisposeAsync();
        }

        foreach (var repo in _repos)
        {
            repo.Dispose();
        }

        _origin.Dispose();
    }

    [Fact]
    public async Task Dashboard_TwoNodes_ShowsPeerAndACommitMadeAfterLoadWithoutReload()
    {
        if (!HeadlessChromium.IsInstalled)
        {
            Assert.Skip($"{HeadlessChromium.ExecutablePath} is not installed (.ci/run installs Debian's chromium)");
        }

        var alice = TempRepository.CloneOf(_origin, "alice");
        var bob = TempRepository.CloneOf(_origin, "bob");
        _repos.AddRange([alice, bob]);
        var common = new[] { "--listen", "127.0.0.1", "--git-port", "0", "--gossip-port", "0", "--no-mdns", "--fetch-interval", "3600" };
        var a = Track(NodeProcess.Start(alice.Path, [.. common, "--name", "alice", "--web", "127.0.0.1:0"]));
        var aStatus = await a.WaitUntilUpAsync(Token);
        var b = Track(NodeProcess.Start(bob.Path, [.. common, "--name", "bob", "--peer", $"127.0.0.1:{(int)aStatus["node"]!["gossipPort"]!}"]));
        await b.WaitUntilUpAsync(Token);
        var url = DashboardUrl(a);

        var browser = Track(await HeadlessChromium.LaunchAsync(Token));
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

    private T Track<T>(T item)
        where T : IAsyncDisposable
    {
        _cleanup.Add(item);
        return item;
    }

    private static Uri DashboardUrl(NodeProcess node)
    {
        const string Marker = "dashboard at ";
        var line = node.Log.Split('\n').First(l => l.Contains(Marker, StringComparison.Ordinal));
        return new Uri(line[(line.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..].Trim());
    }
}
