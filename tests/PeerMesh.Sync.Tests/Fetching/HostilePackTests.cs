using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Sync.Fetching;
using PeerMesh.Sync.Tests.Support;
using Xunit;

namespace PeerMesh.Sync.Tests.Fetching;

/// <summary>PeerFetcher against a server sending bad packs (HOSTILE-INPUTS 29): no ref updated, fsck clean.</summary>
public sealed class HostilePackTests
{
    private static async Task<(FetchFailedException Error, string RefsBefore, string RefsAfter, int Packs)> FetchFromAsync(
        PeerSetup setup, string advertisedId, byte[] pack)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = new FakeGitServer(advertisedId, pack);
        var remote = setup.AddManagedRemote(port: server.Port);
        var before = setup.Local.AllRefs();
        var fetcher = new PeerFetcher(setup.Local.GitDir, PeerSetup.FastOptions(), TimeProvider.System, NullLogger<PeerFetcher>.Instance);

        var error = await Assert.ThrowsAsync<FetchFailedException>(() => fetcher.FetchAsync(remote, ct));

        TestContext.Current.TestOutputHelper?.WriteLine($"{error.Kind}: {error.Message}");
        Git.Run(setup.Local.WorkDir, "fsck", "--full", "--strict");
        return (error, before, setup.Local.AllRefs(), server.PacksSent);
    }

    private static byte[] RealPack(TempRepo repo, string revision)
    {
        var directory = Path.Combine(repo.Root, "packs");
        Directory.CreateDirectory(directory);
        var hash = Git.RunWithInput(repo.WorkDir, revision + "\n", "pack-objects", "--revs", "-q", Path.Combine(directory, "p"));
        return File.ReadAllBytes(Path.Combine(directory, $"p-{hash}.pack"));
    }

    [Fact]
    public async Task Fetch_GarbagePack_FailsNoRefWritten()
    {
        await using var setup = await PeerSetup.CreateAsync(TestContext.Current.CancellationToken);
        var commit = setup.Peer.Commit("wanted");
        var garbage = new byte[4096];
        new Random(1).NextBytes(garbage);
        "PACK\0\0\0\u0002\0\0\0\u0005"u8.ToArray().CopyTo(garbage, 0);

        var (error, before, after, packs) = await FetchFromAsync(setup, commit, garbage);

        Assert.Equal(1, packs);
        Assert.Equal(FetchErrorKind.BadAnswer, error.Kind);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Fetch_TruncatedPack_FailsNoRefWritten()
    {
        await using var setup = await PeerSetup.CreateAsync(TestContext.Current.CancellationToken);
        var commit = setup.Peer.Commit("wanted", "big.txt", string.Concat(Enumerable.Range(0, 5000).Select(i => $"line {i}\n")));
        var pack = RealPack(setup.Peer, commit);

        var (error, before, after, _) = await FetchFromAsync(setup, commit, pack[..(pack.Length / 2)]);

        Assert.NotEqual(FetchErrorKind.NotManaged, error.Kind);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Fetch_PackWithoutAdvertisedCommit_FailsNoRefWritten()
    {
        await using var setup = await PeerSetup.CreateAsync(TestContext.Current.CancellationToken);
        var real = setup.Peer.Commit("real");
        var pack = RealPack(setup.Peer, real);
        var claimed = "0123456789012345678901234567890123456789";

        var (_, before, after, packs) = await FetchFromAsync(setup, claimed, pack);

        Assert.Equal(1, packs);
        Assert.Equal(before, after);
        Assert.Null(setup.Local.RefTarget("refs/remotes/peer/main"));
    }
}
