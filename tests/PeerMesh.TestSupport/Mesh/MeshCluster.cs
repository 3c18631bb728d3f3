using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Options;
using PeerMesh.Mesh.Transport;
using PeerMesh.TestSupport.Time;

namespace PeerMesh.TestSupport.Mesh;

/// <summary>
/// Many mesh nodes on one <see cref="InMemoryNetwork"/> with one virtual clock (the single time driver).
/// Everything happens synchronously inside <see cref="Run"/>: no sleeping, no waiting for background work.
/// FakeTimeProvider fires all due timers at the end of an advance, so it is advanced in small steps;
/// <see cref="SimulatedTimeProvider"/> is exact and faster (benchmarks). Real processes: <see cref="Netns.NetnsMesh"/>
/// (in network namespaces) and <see cref="Processes.LoopbackMesh"/>.
/// </summary>
internal sealed class MeshCluster : IAsyncDisposable
{
    private readonly Action<TimeSpan> _advance;
    private readonly TimeSpan _step;
    private readonly Func<MeshOptions> _options;
    private readonly string _keyRoot = Path.Combine(Path.GetTempPath(), "peermesh-cluster-" + Guid.NewGuid().ToString("N"));
    private readonly List<MeshNode> _nodes = [];
    private readonly List<NodeIdentity> _identities = [];
    private int _seed;

    private MeshCluster(TimeProvider time, Action<TimeSpan> advance, TimeSpan step, int seed, Func<MeshOptions>? options)
    {
        Time = time;
        _advance = advance;
        _step = step;
        _seed = seed;
        _options = options ?? MeshOptions.FastTest;
        Network = new InMemoryNetwork(time, seed);
    }

    public TimeProvider Time { get; }

    public InMemoryNetwork Network { get; }

    public IReadOnlyList<MeshNode> Nodes => _nodes;

    public TimeSpan Elapsed { get; private set; }

    /// <summary>A cluster on a FakeTimeProvider advanced 1 ms at a time (network latency 1 ms).</summary>
    public static MeshCluster WithFakeTime(int seed = 1, Func<MeshOptions>? options = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return new MeshCluster(time, time.Advance, TimeSpan.FromMilliseconds(1), seed, options);
    }

    /// <summary>As <see cref="WithFakeTime"/>, with a wall clock that the test can make jump (<paramref name="wallClock"/>).</summary>
    public static MeshCluster WithJumpingWallClock(out JumpingWallClock wallClock, int seed = 1)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        wallClock = new JumpingWallClock(time);
        return new MeshCluster(wallClock, time.Advance, TimeSpan.FromMilliseconds(1), seed, null);
    }

    /// <summary>A cluster on the exact <see cref="SimulatedTimeProvider"/> (big simulations).</summary>
    public static MeshCluster WithSimulatedTime(int seed = 1, Func<MeshOptions>? options = null)
    {
        var time = new SimulatedTimeProvider();
        return new MeshCluster(time, time.Advance, TimeSpan.FromMilliseconds(10), seed, options);
    }

    /// <summary>Creates and starts a node. <paramref name="identity"/> reuses a node's key (a restart).</summary>
    public async Task<MeshNode> AddNodeAsync(Action<MeshOptions>? configure = null, NodeIdentity? identity = null, string? name = null)
    {
        var options = _options();
        options.RandomSeed = ++_seed;
        configure?.Invoke(options);
        if (identity is null)
        {
            identity = NodeIdentity.LoadOrCreate(Path.Combine(_keyRoot, _identities.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            _identities.Add(identity);
        }

        var transport = Network.CreateTransport();
        var node = new MeshNode(options, identity, name ?? "node" + _nodes.Count, transport, Time, NullLogger<MeshNode>.Instance);
        _nodes.Add(node);
        await node.StartAsync(CancellationToken.None);
        return node;
    }

    public NodeIdentity IdentityOf(MeshNode node) => _identities.First(i => i.Id == node.LocalId);

    /// <summary>Adds <paramref name="count"/> nodes, each offered the first node as a seed.</summary>
    public async Task<List<MeshNode>> AddJoinedNodesAsync(int count, Action<MeshOptions>? configure = null)
    {
        var added = new List<MeshNode>();
        for (var i = 0; i < count; i++)
        {
            var node = await AddNodeAsync(configure);
            if (_nodes.Count > 1)
            {
                node.OfferCandidate(_nodes[0].LocalEndPoint, DiscoverySource.Seed);
            }

            added.Add(node);
        }

        return added;
    }

    public void Run(TimeSpan duration)
    {
        var remaining = duration;
        while (remaining > TimeSpan.Zero)
        {
            var step = remaining < _step ? remaining : _step;
            _advance(step);
            Elapsed += step;
            remaining -= step;
        }
    }

    /// <summary>Runs until <paramref name="condition"/> holds (checked every <paramref name="checkEvery"/>); the virtual time it took, or null.</summary>
    public TimeSpan? RunUntil(Func<bool> condition, TimeSpan timeout, TimeSpan? checkEvery = null)
    {
        var every = checkEvery ?? TimeSpan.FromMilliseconds(10);
        var start = Elapsed;
        while (Elapsed - start <= timeout)
        {
            if (condition())
            {
                return Elapsed - start;
            }

            Run(every);
        }

        return condition() ? Elapsed - start : null;
    }

    /// <summary>Every node of <paramref name="nodes"/> sees every other one alive (not suspect).</summary>
    public static bool AllSeeEachOtherAlive(IReadOnlyCollection<MeshNode> nodes)
    {
        foreach (var node in nodes)
        {
            if (node.Table.AliveCount < nodes.Count - 1)
            {
                return false;
            }

            foreach (var other in nodes)
            {
                if (other != node && node.Table.Get(other.LocalId)?.Member.State != MemberState.Alive)
                {
                    return false;
                }
            }
        }

        return true;
    }

    public static bool AllSee(IEnumerable<MeshNode> observers, string id, Func<Member?, bool> predicate) =>
        observers.All(o => predicate(o.Table.Get(id)?.Member));

    public void Crash(MeshNode node) => Network.Crash(node.LocalEndPoint);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        foreach (var identity in _identities)
        {
            identity.Dispose();
        }

        Network.Dispose();

        try
        {
            Directory.Delete(_keyRoot, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
