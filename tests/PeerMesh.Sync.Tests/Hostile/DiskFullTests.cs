using PeerMesh.TestSupport.Mesh;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
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
        await using var service = new SyncService(PeerSetup.FastOptions(), setup.Local.WorkDir, setup.RepoId, new FakeMembershipView(), new FakePublisher(), TimeProvider.System, NullLoggerFactory.Instance);
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
        var options = PeerSetup.FastOptions();
        options.LocalErrorRetryDelay = TimeSpan.FromSeconds(1);
        options.LocalErrorMaxRetryDelay = TimeSpan.FromSeconds(4);
        var view = new FakeMembershipView();
        await using var service = new SyncService(options, setup.Local.WorkDir, setup.RepoId, view, new FakePublisher(), TimeProvider.System, NullLoggerFactory.Instance);
        await service.StartAsync(ct);
        RemoteSyncStatus? Remote() => service.GetStatus().Peers.FirstOrDefault()?.Remotes[0];

        // The peer joins and keeps announcing new commits: every announcement asks for a fetch.
        view.Set(setup.PeerMember(refsVersion: 1));
        var attempts = new List<DateTimeOffset>();
        var version = 1;
        var until = DateTime.UtcNow.AddSeconds(9);
        while (DateTime.UtcNow < until)
        {
            if (Remote()?.LastFetch is { } last && (attempts.Count == 0 || last.At != attempts[^1]))
            {
                Assert.False(last.Ok, "fetched with the disk full");
                Assert.StartsWith("disk full: ", last.Error, StringComparison.Ordinal);
                attempts.Add(last.At);
            }

            view.Set(setup.PeerMember(refsVersion: ++version));
            await Task.Delay(100, ct);
        }

        // Without the hold, ~90 announcements would each have fetched. Waits of 1, 2, 4, 4 s: about 5 tries.
        Assert.InRange(attempts.Count, 3, 6);
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => (b - a).TotalSeconds).ToList();
        Assert.All(gaps, g => Assert.True(g >= 0.9, $"tries {g:F2} s apart: {string.Join(", ", gaps)}"));
        Assert.True(gaps[1] >= 1.9, $"the wait did not grow: {string.Join(", ", gaps)}");
        Assert.Equal("closed", Remote()!.Breaker);

        // Space is back: the next local retry, not a `peermesh fetch`, brings the commit.
        disk.Grow();
        await Eventually.TrueAsync(() => Remote()?.LastFetch?.Ok == true, "fetch once there is room", seconds: 15);
        Assert.Equal(big, setup.Local.RefTarget("refs/remotes/peer/main"));
        Git.Run(setup.Local.WorkDir, "fsck", "--full", "--strict");
        await service.StopAsync();
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
