using PeerMesh.TestSupport.Git;

namespace PeerMesh.TestSupport.Processes;

/// <summary>
/// Real <c>peermesh up</c> processes on loopback, each in its own clone of one origin repository, joined
/// by seeds (never mDNS on the host). Disposing ends every node, its orphaned daemon and every clone.
/// </summary>
public sealed class LoopbackMesh : IAsyncDisposable
{
    /// <summary>Any free ports, no multicast, no backstop fetch (only the fast path fetches).</summary>
    private static readonly string[] s_anyAddressFlags = ["--git-port", "0", "--gossip-port", "0", "--no-mdns", "--fetch-interval", "3600"];

    /// <summary>As <see cref="s_anyAddressFlags"/>, on loopback only.</summary>
    public static readonly IReadOnlyList<string> NodeFlags = ["--listen", "127.0.0.1", .. s_anyAddressFlags];

    private readonly List<TempRepository> _clones = [];
    private readonly List<NodeProcess> _nodes = [];

    public TempRepository Origin { get; } = TempRepository.Create(commits: 2);

    public IReadOnlyList<NodeProcess> Nodes => _nodes;

    public TempRepository Clone(string name)
    {
        var repo = TempRepository.CloneOf(Origin, name);
        _clones.Add(repo);
        return repo;
    }

    /// <summary>
    /// Starts a node in <paramref name="repo"/>, seeded with <paramref name="seedGossipPort"/> if given; bound to
    /// loopback, or with <paramref name="anyAddress"/> to every address as by default (it then advertises none).
    /// </summary>
    public NodeProcess Start(TempRepository repo, string name, int? seedGossipPort = null, IEnumerable<string>? extra = null, bool anyAddress = false)
    {
        var args = new List<string>(anyAddress ? s_anyAddressFlags : NodeFlags) { "--name", name };
        if (seedGossipPort is int port)
        {
            args.AddRange(["--peer", $"127.0.0.1:{port}"]);
        }

        args.AddRange(extra ?? []);
        var node = NodeProcess.Start(repo.Path, args);
        _nodes.Add(node);
        return node;
    }

    /// <summary>A new clone with a node in it, seeded with <paramref name="seed"/>; returns once it answers.</summary>
    public async Task<(NodeProcess Node, TempRepository Repo)> StartCloneAsync(string name, NodeProcess? seed, IEnumerable<string>? extra, CancellationToken cancellationToken)
    {
        var repo = Clone(name);
        var node = Start(repo, name, seed is null ? null : await GossipPortAsync(seed, cancellationToken), extra);
        await node.WaitUntilUpAsync(cancellationToken);
        return (node, repo);
    }

    public static async Task<int> GossipPortAsync(NodeProcess node, CancellationToken cancellationToken) =>
        (int)(await node.WaitUntilUpAsync(cancellationToken))["node"]!["gossipPort"]!;

    /// <summary>Polls <paramref name="condition"/> (<see cref="Poll"/>); a timeout carries every node's log.</summary>
    public Task UntilAsync(Func<bool> condition, string what, TimeSpan deadline, CancellationToken cancellationToken) =>
        Poll.UntilAsync(
            what, condition, deadline, cancellationToken, TimeSpan.FromMilliseconds(50), () => string.Join("\n---\n", _nodes.Select(n => n.Log)));

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

        Origin.Dispose();
    }
}
