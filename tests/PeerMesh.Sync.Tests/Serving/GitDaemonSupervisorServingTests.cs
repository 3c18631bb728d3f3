using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Sync.Serving;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.Sync.Tests.Serving;

/// <summary>
/// One git daemon serving a node's repositories by name (<see cref="GitDaemonSupervisor.SetServedAsync"/>): real git
/// daemon on loopback, real repositories, stock git clients.
/// </summary>
public sealed class GitDaemonSupervisorServingTests : IAsyncLifetime
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);
    private readonly ServingHome _home = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _home.DisposeAsync();

    [Fact]
    public async Task Serve_ThreeRepositories_EachClonedByItsNameMatches()
    {
        var shop = _home.NewRepository("shop", commits: 2);
        var web = _home.NewRepository("web", commits: 3);
        var docs = _home.NewRepository("docs", commits: 1);
        await _home.ServeAsync(("shop", shop.GitDirectory), ("web", web.GitDirectory), ("docs", docs.GitDirectory));
        await _home.StartAsync();

        Assert.Equal(shop.Head(), _home.CloneHead("shop"));
        Assert.Equal(web.Head(), _home.CloneHead("web"));
        Assert.Equal(docs.Head(), _home.CloneHead("docs"));
        Assert.Equal(
            [new("docs", docs.GitDirectory, ServedRepositoryState.Serving), new("shop", shop.GitDirectory, ServedRepositoryState.Serving), new ServedRepository("web", web.GitDirectory, ServedRepositoryState.Serving)],
            _home.Supervisor.Served);
    }

    [Fact]
    public async Task StartAsync_NothingServed_ListensRefusesEverythingThenServesWhatIsAdded()
    {
        var shop = _home.NewRepository("shop");
        await _home.StartAsync();

        Assert.True(_home.Supervisor.Status.Up);
        Assert.Empty(_home.Supervisor.Served);
        Assert.NotEqual(0, _home.LsRemote("/shop").ExitCode);
        Assert.NotEqual(0, _home.LsRemote("/").ExitCode);

        await _home.ServeAsync(("shop", shop.GitDirectory));

        Assert.Equal(shop.Head(), _home.CloneHead("shop"));
    }

    [Fact]
    public async Task SetServedAsync_RepositoryRemoved_NextCloneRefusedAtOnceOthersInFlightCompleteItsOwnGetNoPack()
    {
        var shop = _home.NewRepository("shop", commits: 2);
        var web = _home.NewRepository("web", commits: 2);
        await _home.ServeAsync(("shop", shop.GitDirectory), ("web", web.GitDirectory));
        await _home.StartAsync();
        var daemon = _home.Supervisor.CurrentProcess!.DaemonId;
        // Two clones past their request: one of the repository that stays, one of the one removed.
        using var webInFlight = await UploadPackConnection.OpenAsync(_home.Port, "/web", Token);
        using var shopInFlight = await UploadPackConnection.OpenAsync(_home.Port, "/shop", Token);

        await _home.ServeAsync(("web", web.GitDirectory));

        var refused = _home.LsRemote("/shop");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("access denied or repository not exported", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(web.Head(), _home.CloneHead("web"));
        Assert.Equal((web.Head(), true), await webInFlight.CompleteAsync(Token).WaitAsync(s_deadline, Token));
        // Removal refuses new requests, and a pack of it even to a client that had its advertisement before: the pack
        // hook serves only what the daemon advertises now, and a repository no longer served has no branch served.
        Assert.Equal((shop.Head(), false), await shopInFlight.CompleteAsync(Token).WaitAsync(s_deadline, Token));
        Assert.Equal(daemon, _home.Supervisor.CurrentProcess!.DaemonId);
        Assert.Equal(["web"], _home.Supervisor.Served.Select(s => s.Name));
        Assert.False(Path.Exists(Path.Combine(_home.ServeFolder, "shop")));
    }

    [Fact]
    public async Task SetServedAsync_RepositoryAdded_ClonableAtOnceWithoutCuttingAnotherClone()
    {
        var shop = _home.NewRepository("shop", commits: 2);
        var web = _home.NewRepository("web", commits: 3);
        await _home.ServeAsync(("shop", shop.GitDirectory));
        await _home.StartAsync();
        var daemon = _home.Supervisor.CurrentProcess!.DaemonId;
        using var shopInFlight = await UploadPackConnection.OpenAsync(_home.Port, "/shop", Token);
        Assert.NotEqual(0, _home.LsRemote("/web").ExitCode);

        await _home.ServeAsync(("shop", shop.GitDirectory), ("web", web.GitDirectory));

        Assert.Equal(web.Head(), _home.CloneHead("web"));
        Assert.Equal((shop.Head(), true), await shopInFlight.CompleteAsync(Token).WaitAsync(s_deadline, Token));
        Assert.Equal(daemon, _home.Supervisor.CurrentProcess!.DaemonId);
        Assert.Equal(0, _home.Supervisor.Status.Restarts);
    }

    [Fact]
    public async Task ServedName_TwoRepositoriesInFoldersOfTheSameName_DistinctNamesEachItsOwn()
    {
        var first = _home.NewRepository("shop", commits: 1);
        var second = _home.NewRepository("shop", commits: 2);
        var firstName = ServedName.Choose(first.Path, []);
        var secondName = ServedName.Choose(second.GitDirectory, [firstName]);
        await _home.ServeAsync((firstName, first.GitDirectory), (secondName, second.GitDirectory));
        await _home.StartAsync();

        Assert.Equal(("shop", "shop-2"), (firstName, secondName));
        Assert.Equal(first.Head(), _home.CloneHead("shop"));
        Assert.Equal(second.Head(), _home.CloneHead("shop-2"));
        Assert.NotEqual(first.Head(), second.Head());
    }

    [Fact]
    public async Task Serve_BareRepository_ClonedByItsName()
    {
        var source = _home.NewRepository("relay", commits: 2);
        var bare = _home.NewBareClone(source, "relay.git");
        await _home.ServeAsync((ServedName.Choose(bare, []), bare));
        await _home.StartAsync();

        Assert.Equal(source.Head(), _home.CloneHead("relay"));
    }

    [Fact]
    public async Task SetServedAsync_NotARepository_ClearErrorAndNothingChanges()
    {
        var shop = _home.NewRepository("shop");
        var plain = Path.Combine(shop.Root, "plain");
        Directory.CreateDirectory(plain);
        await _home.ServeAsync(("shop", shop.GitDirectory));
        await _home.StartAsync();

        var notRepository = await Assert.ThrowsAsync<ServeException>(() => _home.ServeAsync(("shop", shop.GitDirectory), ("plain", plain)));
        var missing = await Assert.ThrowsAsync<ServeException>(() => _home.ServeAsync(("gone", Path.Combine(shop.Root, "gone"))));
        var twice = await Assert.ThrowsAsync<ServeException>(() => _home.ServeAsync(("shop", shop.GitDirectory), ("again", shop.GitDirectory + "/")));
        await Assert.ThrowsAsync<ArgumentException>(() => _home.ServeAsync(("../x", shop.GitDirectory)));
        await Assert.ThrowsAsync<ArgumentException>(() => _home.ServeAsync(("shop", shop.GitDirectory), ("SHOP", plain)));

        Assert.Equal($"cannot serve {plain} as plain: not a git repository", notRepository.Message);
        Assert.Contains("not a git repository", missing.Message, StringComparison.Ordinal);
        Assert.Equal($"cannot serve {shop.GitDirectory} as again: it is served as shop already", twice.Message);
        Assert.Equal(["shop"], _home.Supervisor.Served.Select(s => s.Name));
        Assert.Equal(shop.Head(), _home.CloneHead("shop"));
        Assert.Equal(["shop"], Directory.GetFileSystemEntries(_home.ServeFolder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Served_GitDirectoryDeleted_MissingAndRefused()
    {
        var shop = _home.NewRepository("shop");
        var web = _home.NewRepository("web");
        await _home.ServeAsync(("shop", shop.GitDirectory), ("web", web.GitDirectory));
        await _home.StartAsync();

        Directory.Delete(shop.GitDirectory, recursive: true);

        Assert.Equal(
            [new("shop", shop.GitDirectory, ServedRepositoryState.Missing), new ServedRepository("web", web.GitDirectory, ServedRepositoryState.Serving)],
            _home.Supervisor.Served);
        Assert.NotEqual(0, _home.LsRemote("/shop").ExitCode);
        Assert.Equal(web.Head(), _home.CloneHead("web"));
    }

    /// <summary>A restarted daemon serves the set as it is, including what changed while it was down.</summary>
    [Fact]
    public async Task Supervise_DaemonKilledThenSetChangedWhileDown_RestartedDaemonServesTheNewSet()
    {
        var time = new FakeTimeProvider();
        await using var home = new ServingHome(time: time);
        var shop = home.NewRepository("shop");
        var web = home.NewRepository("web");
        await home.ServeAsync(("shop", shop.GitDirectory));
        await home.Supervisor.StartAsync(Token);

        using (var daemon = Process.GetProcessById(home.Supervisor.CurrentProcess!.DaemonId!.Value))
        {
            daemon.Kill();
        }

        await home.Supervisor.WaitForStatusAsync(s => !s.Up, Token).WaitAsync(s_deadline, Token);
        Assert.All(home.Supervisor.Served, s => Assert.Equal(ServedRepositoryState.DaemonDown, s.State));
        await home.ServeAsync(("web", web.GitDirectory));
        time.Advance(TimeSpan.FromSeconds(1));
        await home.Supervisor.WaitForStatusAsync(s => s.Up, Token).WaitAsync(s_deadline, Token);

        Assert.Equal(web.Head(), home.CloneHead("web"));
        Assert.NotEqual(0, home.LsRemote("/shop").ExitCode);
    }

    /// <summary>Links a previous run left in the folder (a node killed with -9 while serving) are swept at start.</summary>
    [Fact]
    public async Task StartAsync_LinksLeftByAPreviousRun_RemovedAndNotServed()
    {
        var old = _home.NewRepository("old");
        var shop = _home.NewRepository("shop");
        Directory.CreateDirectory(_home.ServeFolder);
        File.CreateSymbolicLink(Path.Combine(_home.ServeFolder, "old"), old.GitDirectory);
        await File.WriteAllTextAsync(Path.Combine(_home.Directory, "serve.list"), $"old\t{old.GitDirectory}\n", TestContext.Current.CancellationToken);
        await _home.ServeAsync(("shop", shop.GitDirectory));

        await _home.StartAsync();

        Assert.NotEqual(0, _home.LsRemote("/old").ExitCode);
        Assert.Equal(["shop"], Directory.GetFileSystemEntries(_home.ServeFolder).Select(Path.GetFileName));
        Assert.Equal($"shop\t{shop.GitDirectory}\n", await File.ReadAllTextAsync(Path.Combine(_home.Directory, "serve.list"), TestContext.Current.CancellationToken));
        Assert.Equal(shop.Head(), _home.CloneHead("shop"));
    }

    [Fact]
    public async Task StopAsync_Serving_EveryProcessEndedPidFileGone()
    {
        var shop = _home.NewRepository("shop");
        await _home.ServeAsync(("shop", shop.GitDirectory));
        await _home.StartAsync();
        var guard = _home.Supervisor.CurrentProcess!.GuardId;
        using var clone = await UploadPackConnection.OpenAsync(_home.Port, "/shop", Token);
        var session = DaemonProcesses.InSession(guard);

        await _home.Supervisor.StopAsync(Token);

        Assert.Empty(await DaemonProcesses.WaitUntilGoneAsync(session, s_deadline, Token));
        Assert.True(await clone.IsCutAsync(s_deadline, Token));
        Assert.False(File.Exists(_home.PidFile));
        Assert.All(_home.Supervisor.Served, s => Assert.Equal(ServedRepositoryState.DaemonDown, s.State));
    }
}
