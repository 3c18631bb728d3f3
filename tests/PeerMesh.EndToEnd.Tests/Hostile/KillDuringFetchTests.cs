using System.Security.Cryptography;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Git;
using PeerMesh.TestSupport.Processes;
using Xunit;

namespace PeerMesh.EndToEnd.Tests.Hostile;

/// <summary>
/// HOSTILE-INPUTS 32 with real <c>peermesh up</c> processes on loopback: a node is killed with SIGKILL
/// while its fetch is writing the pack; its repository stays consistent and the next run completes the fetch.
/// </summary>
public sealed class KillDuringFetchTests : IAsyncDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);
    private readonly LoopbackMesh _mesh = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _mesh.DisposeAsync();

    [Fact]
    public async Task Up_Kill9WhileFetchingAPack_RepoConsistentAndNextRunCompletesTheFetch()
    {
        var alice = _mesh.Clone("alice");
        var bob = _mesh.Clone("bob");
        // 48 MB that does not compress: the pack takes long enough to be caught half written.
        for (var i = 0; i < 3; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(alice.Path, $"big{i}.bin"), RandomNumberGenerator.GetBytes(16 * 1024 * 1024), Token);
        }

        var big = alice.Commit("big files");
        var bobRefsBefore = bob.LocalRefs();
        var bobHeadBefore = bob.Head();
        var aliceNode = _mesh.Start(alice, "alice");
        var alicePort = await LoopbackMesh.GossipPortAsync(aliceNode, Token);
        var bobNode = _mesh.Start(bob, "bob", alicePort);

        var pack = Path.Combine(bob.GitDirectory, "objects", "pack");
        var caught = await CatchPackBeingWrittenAsync(pack);
        bobNode.KillHard();

        Assert.True(caught, "never saw bob's fetch writing a pack\n" + bobNode.Log);
        Assert.NotEqual(big, bob.TryRevParse("refs/remotes/alice/main"));
        Assert.Equal(bobRefsBefore, bob.LocalRefs());
        Assert.Equal(bobHeadBefore, bob.Head());
        GitCli.Run(bob.Path, "fsck", "--full", "--no-dangling");

        _mesh.Start(bob, "bob", alicePort);
        await _mesh.UntilAsync(() => bob.TryRevParse("refs/remotes/alice/main") == big, "the restarted node completes the fetch", s_deadline, Token);

        Assert.Equal(bobRefsBefore, bob.LocalRefs());
        Assert.Equal(bobHeadBefore, bob.Head());
        // No git lock left behind (the running node's own lock under .git/peermesh is not a git lock).
        var peermeshState = Path.Combine(bob.GitDirectory, "peermesh") + Path.DirectorySeparatorChar;
        // Links are not followed: the node's home under .git/peermesh links its served repositories back to .git.
        var everyFile = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };
        Assert.DoesNotContain(Directory.EnumerateFiles(bob.GitDirectory, "*.lock", everyFile), f => !f.StartsWith(peermeshState, StringComparison.Ordinal));
        GitCli.Run(bob.Path, "fsck", "--full", "--strict", "--no-dangling");
    }

    /// <summary>Polls until a temporary pack (libgit2's pack_git2_*, or git's tmp_pack_*) appears.</summary>
    private static async Task<bool> CatchPackBeingWrittenAsync(string packDirectory) =>
        await Poll.TryUntilAsync(
            () => Directory.Exists(packDirectory) && Directory.EnumerateFiles(packDirectory).Any(f => Path.GetFileName(f) is var n && (n.StartsWith("pack_git2_", StringComparison.Ordinal) || n.StartsWith("tmp_pack_", StringComparison.Ordinal))),
            s_deadline,
            Token,
            TimeSpan.FromMilliseconds(2)) is not null;
}
