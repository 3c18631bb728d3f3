using PeerMesh.TestSupport.Mesh;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Sync.Fetching;
using PeerMesh.Sync.Status;
using PeerMesh.Sync.Tests.Support;
using Xunit;

namespace PeerMesh.Sync.Tests.Hostile;

/// <summary>
/// HOSTILE-INPUTS 34 on <see cref="SyncService"/>: the local object store is a small tmpfs (root only), the
/// peer's new pack does not fit: clean failure, no ref moved, no temporary pack left, fsck clean, and the
/// fetch succeeds once there is room again.
/// </summary>
public sealed class DiskFullTests
{
    [Fact]
    public async Task Fetch_ObjectStoreFull_CleanFailureNothingLeftAndRecoversWithRoom()
    {
        Assert.SkipUnless(Environment.UserName == "root", "needs root to mount a small tmpfs");
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        var remote = setup.AddManagedRemote();
        var before = setup.Local.AllRefs();
        using var disk = SmallObjectStore.Mount(setup.Local.GitDir);
        var big = setup.Peer.Commit("too big for the disk", "big.bin", Convert.ToBase64String(RandomNumberGenerator.GetBytes(3 * 1024 * 1024)));
        var filesBefore = Files(disk.Objects);
        await using var service = Service(setup, Options(), new FakeMembershipView(), new SchedulerEvents(), new FakeTimeProvider(DateTimeOffset.UtcNow));
        await service.StartAsync(ct);

        var report = Assert.Single(await service.FetchNowAsync(remote, ct));

        Assert.False(report.Ok);
        Assert.StartsWith("disk full: ", report.Error, StringComparison.Ordinal);
        Assert.Contains("No space left on device", report.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", report.Error, StringComparison.Ordinal);
        Assert.Equal(before, setup.Local.AllRefs());
        // libgit2 writes pack_git2_* and git tmp_pack_*: whatever the fetch started is gone again.
        Assert.Equal(filesBefore, Files(disk.Objects));
        Git.Run(setup.Local.WorkDir, "fsck", "--full", "--strict");

        disk.Grow();
        var again = Assert.Single(await service.FetchNowAsync(remote, ct));
        Assert.True(again.Ok, again.Error);
        Assert.Equal(big, setup.Local.RefTarget($"refs/remotes/{remote}/main"));
        Git.Run(setup.Local.WorkDir, "fsck", "--full", "--strict");
        await service.StopAsync();
    }

    [Fact]
    public async Task Fetch_ObjectStoreFull_DiskFullInStatusBreakerClosedRetriesSpacedOutResumesWhenSpaceReturns()
    {
        Assert.SkipUnless(Environment.UserName == "root", "needs root to mount a small tmpfs");
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await PeerSetup.CreateAsync(ct);
        using var disk = SmallObjectStore.Mount(setup.Local.GitDir);
        var big = setup.Peer.Commit("too big for the disk", "big.bin", Convert.ToBase64String(RandomNumberGenerator.GetBytes(3 * 1024 * 1024)));
        var options = Options();
        options.LocalErrorRetryDelay = TimeSpan.FromSeconds(1);
        options.LocalErrorMaxRetryDelay = TimeSpan.FromSeconds(4);
        var view = new FakeMembershipView();
        var events = new SchedulerEvents();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var service = Service(setup, options, view, events, time);
        await service.StartAsync(ct);
        RemoteSyncStatus Remote() => service.GetStatus().Peers[0].Remotes[0];

        // The peer joins; its fetch fails on our full disk.
        view.Set(setup.PeerMember(refsVersion: 1));
        var version = 1;
        var first = await events.FetchedAsync("peer");
        Assert.False(first.Ok, "fetched with the disk full");
        Assert.StartsWith("disk full: ", first.Error, StringComparison.Ordinal);

        // The peer keeps announcing new commits while the hold runs: every announcement is held, none fetches. When
        // the wait ends one retry runs, fails, and the next wait is twice as long: 1, 2, 4 s, then the cap of 4 s.
        for (var failures = 1; failures <= 4; failures++)
        {
            var hold = await events.WaitAsync(FetchSchedulerEventKind.LocalHoldArmed, occurrence: failures);
            Assert.Equal(hold.Due, Remote().NextFetch);
            view.Set(setup.PeerMember(refsVersion: ++version));
            await events.WaitAsync(FetchSchedulerEventKind.TriggerHeld, occurrence: failures);
            Assert.Equal(failures, events.Count(FetchSchedulerEventKind.FetchStarted));

            time.Advance(hold.Due!.Value - time.GetUtcNow());
            var retry = await events.FetchedAsync("peer", occurrence: failures + 1);
            Assert.False(retry.Ok, "fetched with the disk full");
            Assert.StartsWith("disk full: ", retry.Error, StringComparison.Ordinal);
            Assert.StartsWith("disk full: ", Remote().LastFetch!.Error, StringComparison.Ordinal);
        }

        var holds = events.Of(FetchSchedulerEventKind.LocalHoldArmed);
        Assert.Equal([1d, 2, 4, 4, 4], holds.Select(h => (h.Due!.Value - h.At).TotalSeconds));
        var tries = events.Of(FetchSchedulerEventKind.FetchCompleted).Select(e => e.At).ToList();
        Assert.Equal([1d, 2, 4, 4], tries.Zip(tries.Skip(1), (a, b) => (b - a).TotalSeconds));
        Assert.Equal("closed", Remote().Breaker.State);

        // Space is back: the next local retry, not a `peermesh fetch`, brings the commit.
        disk.Grow();
        time.Advance(holds[^1].Due!.Value - time.GetUtcNow());
        var resumed = await events.FetchedAsync("peer", occurrence: 6);
        Assert.True(resumed.Ok, resumed.Error);
        Assert.Equal(big, setup.Local.RefTarget("refs/remotes/peer/main"));
        Assert.True(Remote().LastFetch!.Ok);
        Git.Run(setup.Local.WorkDir, "fsck", "--full", "--strict");
        await service.StopAsync();
    }

    /// <summary>
    /// The scheduler, the watchdog and the hold on a fake clock: on a loaded machine a real 2 s watchdog can fire
    /// while git daemon packs the 3 MB, and the disk-full failure this is about would turn into "no answer".
    /// </summary>
    private static SyncService Service(PeerSetup setup, SyncOptions options, FakeMembershipView view, SchedulerEvents events, TimeProvider time) =>
        new(options, setup.Local.WorkDir, setup.RepoId, view, new FakePublisher(), time, NullLoggerFactory.Instance, events.Record);

    private static SyncOptions Options()
    {
        var options = PeerSetup.FastOptions();
        options.RefDebounce = TimeSpan.Zero; // the watcher's debounce would wait on the fake clock
        return options;
    }

    /// <summary>The repository's objects/ on a 1 MB tmpfs (with what was there), unmounted when disposed.</summary>
    private sealed class SmallObjectStore : IDisposable
    {
        private SmallObjectStore(string objects) => Objects = objects;

        public string Objects { get; }

        public static SmallObjectStore Mount(string gitDir)
        {
            var objects = Path.Combine(gitDir, "objects");
            var saved = objects + "-saved";
            Directory.Move(objects, saved);
            Directory.CreateDirectory(objects);
            Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", objects);
            Run("cp", "-a", saved + "/.", objects);
            return new SmallObjectStore(objects);
        }

        /// <summary>Room again: 32 MB.</summary>
        public void Grow() => Run("mount", "-o", "remount,size=32m", Objects);

        public void Dispose() => Run("umount", "-l", Objects);
    }

    private static string Files(string directory) =>
        string.Join('\n', Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));

    private static void Run(string command, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(command, args) { UseShellExecute = false, RedirectStandardError = true })!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', args)}: {stderr}");
    }
}
