using System.Security.Cryptography;
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
    private readonly TempRepository _origin = TempRepository.Create(commits: 2);
    private readonly List<TempRepository> _clones = [];
    private readonly List<NodeProcess> _nodes = [];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        foreach (var clone in _clones)
        {
            clone.Dispose();
        }

        _origin.Dispose();
    }

    [Fact]
    public async Task Up_Kill9WhileFetchingAPack_RepoConsistentAndNextRunCompletesTheFetch()
    {
        var alice = Clone("alice");
        var bob = Clone("bob");
        // 48 MB that does not compress: the pack takes long enough to be caught half written.
        for (var i = 0; i < 3; i++)
        {
            File.WriteAllBytes(Path.Combine(alice.Path, $"big{i}.bin"), RandomNumberGenerator.GetBytes(16 * 1024 * 1024));
        }

        var big = alice.Commit("big files");
        var bobRefsBefore = LocalRefs(bob);
        var bobHeadBefore = bob.Head();
        var aliceNode = Start(alice, "alice", seedPort: null);
        var alicePort = (int)(await aliceNode.WaitUntilUpAsync(Token))["node"]!["gossipPort"]!;
        var bobNode = Start(bob, "bob", alicePort);

        var pack = Path.Combine(bob.GitDirectory, "objects", "pack");
        var caught = await CatchPackBeingWrittenAsync(pack);
        bobNode.KillHard();

        Assert.True(caught, "never saw bob's fetch writing a pack\n" + bobNode.Log);
        Assert.NotEqual(big, TryRevParse(bob, "refs/remotes/alice/main"));
        Assert.Equal(bobRefsBefore, LocalRefs(bob));
        Assert.Equal(bobHeadBefore, bob.Head());
        GitCli.Run(bob.Path, "fsck", "--full", "--no-dangling");

        var again = Start(bob, "bob", alicePort);
        await Until(() => TryRevParse(bob, "refs/remotes/alice/main") == big, "the restarted node completes the fetch", again);

        Assert.Equal(bobRefsBefore, LocalRefs(bob));
        Assert.Equal(bobHeadBefore, bob.Head());
        // No git lock left behind (the running node's own lock under .git/peermesh is not a git lock).
        var peermeshState = Path.Combine(bob.GitDirectory, "peermesh") + Path.DirectorySeparatorChar;
        Assert.DoesNotContain(Directory.EnumerateFiles(bob.GitDirectory, "*.lock", SearchOption.AllDirectories), f => !f.StartsWith(peermeshState, StringComparison.Ordinal));
        GitCli.Run(bob.Path, "fsck", "--full", "--strict", "--no-dangling");
    }

    /// <summary>Polls until a temporary pack (libgit2's pack_git2_*, or git's tmp_pack_*) appears.</summary>
    private static async Task<bool> CatchPackBeingWrittenAsync(string packDirectory)
    {
        var deadline = DateTime.UtcNow + s_deadline;
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(packDirectory) && Directory.EnumerateFiles(packDirectory).Any(f => Path.GetFileName(f) is var n && (n.StartsWith("pack_git2_", StringComparison.Ordinal) || n.StartsWith("tmp_pack_", StringComparison.Ordinal))))
            {
                return true;
            }

            await Task.Delay(2, Token);
        }

        return false;
    }

    private TempRepository Clone(string name)
    {
        var repo = TempRepository.CloneOf(_origin, name);
        _clones.Add(repo);
        return repo;
    }

    private NodeProcess Start(TempRepository repo, string name, int? seedPort)
    {
        var args = new List<string> { "--name", name, "--listen", "127.0.0.1", "--git-port", "0", "--gossip-port", "0", "--no-mdns", "--fetch-interval", "3600" };
        if (seedPort is int port)
        {
            args.AddRange(["--peer", $"127.0.0.1:{port}"]);
        }

        var node = NodeProcess.Start(repo.Path, args);
        _nodes.Add(node);
        return node;
    }

    private static string LocalRefs(TempRepository repo) => repo.Git("for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", "refs/tags");

    private static string? TryRevParse(TempRepository repo, string rev)
    {
        var (code, stdout, _) = GitCli.TryRun(repo.Path, "rev-parse", "--verify", "--quiet", rev);
        return code == 0 ? stdout.Trim() : null;
    }

    private static async Task Until(Func<bool> condition, string what, NodeProcess node)
    {
        var deadline = DateTime.UtcNow + s_deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what}: not within {s_deadline}\n{node.Log}");
            }

            await Task.Delay(50, Token);
        }
    }
}
