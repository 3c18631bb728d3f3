using System.Text;

namespace PeerMesh.TestSupport.Netns;

/// <summary>
/// Real `peermesh up` processes in a <see cref="NetnsTestBed"/>: a clone of one test repository on every host and a
/// <see cref="PeerMeshNode"/> per host; the harness of the mesh scenarios and of the netns report. Disposing tears
/// the whole bed down. (Nodes in memory on a fake clock: <see cref="Mesh.MeshCluster"/>; processes on loopback:
/// <see cref="Processes.LoopbackMesh"/>.)
/// </summary>
public sealed class NetnsMesh : IAsyncDisposable
{
    /// <summary>How long a node may take from `up` to answering status (dotnet start-up on a 2-core machine, N at once).</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(100);

    private NetnsMesh(NetnsTestBed bed, TestRepository source, IReadOnlyList<PeerMeshNode> nodes)
    {
        Bed = bed;
        Source = source;
        Nodes = nodes;
    }

    public NetnsTestBed Bed { get; }

    public TestRepository Source { get; }

    public IReadOnlyList<PeerMeshNode> Nodes { get; }

    /// <summary>Makes the bed, the source repository and one clone per host; starts nothing.</summary>
    public static Task<NetnsMesh> CreateAsync(int hostCount, CancellationToken cancellationToken) =>
        CreateAsync(hostCount, null, cancellationToken);

    /// <summary>As <see cref="CreateAsync(int, CancellationToken)"/>, with nodes run by <paramref name="command"/>
    /// (an argv prefix; null means `dotnet peermesh.dll`).</summary>
    public static Task<NetnsMesh> CreateAsync(int hostCount, IReadOnlyList<string>? command, CancellationToken cancellationToken) =>
        CreateAsync(hostCount, new NetnsTestBedOptions(), command, cancellationToken);

    /// <summary>As <see cref="CreateAsync(int, IReadOnlyList{string}?, CancellationToken)"/> on a bed made with
    /// <paramref name="options"/> (e.g. <see cref="NetnsTestBedOptions.Line"/>).</summary>
    public static async Task<NetnsMesh> CreateAsync(
        int hostCount, NetnsTestBedOptions options, IReadOnlyList<string>? command, CancellationToken cancellationToken)
    {
        // Handed to the NetnsMesh, which disposes it; disposed here when the rest of the setup fails.
#pragma warning disable CA2000
        var bed = await NetnsTestBed.CreateAsync(hostCount, options, cancellationToken);
#pragma warning restore CA2000
        try
        {
            var source = await TestRepository.CreateAsync(Path.Combine(bed.WorkRoot, "source"), cancellationToken);
            var nodes = new List<PeerMeshNode>();
            foreach (var host in bed.Hosts)
            {
                nodes.Add(new PeerMeshNode(bed, host, await source.CloneForAsync(host, cancellationToken), command));
            }

            return new NetnsMesh(bed, source, nodes);
        }
        catch
        {
            await bed.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts every node at once (mDNS on, no seeds unless <paramref name="options"/> says so).</summary>
    public Task StartAllAsync(Func<PeerMeshNode, PeerMeshNodeOptions> options, CancellationToken cancellationToken) =>
        Task.WhenAll(Nodes.Select(n => n.StartAsync(options(n), ReadyTimeout, cancellationToken)));

    public Task StartAllAsync(CancellationToken cancellationToken) => StartAllAsync(_ => new PeerMeshNodeOptions(), cancellationToken);

    /// <summary>Starts the first node, then the others with it as their only seed (--peer), mDNS off unless asked.</summary>
    public async Task StartWithSeedAsync(bool noMdns, CancellationToken cancellationToken)
    {
        await Nodes[0].StartAsync(new PeerMeshNodeOptions { NoMdns = noMdns }, ReadyTimeout, cancellationToken);
        var seeded = new PeerMeshNodeOptions { NoMdns = noMdns, Peers = [Nodes[0].GossipEndpoint] };
        await Task.WhenAll(Nodes.Skip(1).Select(n => n.StartAsync(seeded, ReadyTimeout, cancellationToken)));
    }

    /// <summary>Polls <paramref name="condition"/> to the deadline; on timeout the exception carries every node's last status.</summary>
    public Task<TimeSpan> WaitUntilAsync(
        string what,
        Func<CancellationToken, Task<bool>> condition,
        TimeSpan deadline,
        CancellationToken cancellationToken) =>
        Poll.UntilAsync(what, condition, deadline, cancellationToken, s_pollInterval, Describe);

    /// <summary>
    /// True when each of <paramref name="observers"/> lists each other node of <paramref name="members"/> and
    /// <paramref name="accept"/> holds for that entry (e.g. alive, found by mDNS).
    /// </summary>
    public static async Task<bool> AllSeeEachOtherAsync(
        IReadOnlyList<PeerMeshNode> observers,
        IReadOnlyList<PeerMeshNode> members,
        Func<MeshStatusPeer, bool> accept,
        CancellationToken cancellationToken)
    {
        // In parallel: one status call is a process start (~0.1-0.2 s for dotnet), and the poll's resolution is the sum.
        var statuses = await Task.WhenAll(observers.Select(o => o.TryStatusAsync(cancellationToken)));
        for (var i = 0; i < observers.Count; i++)
        {
            var (observer, status) = (observers[i], statuses[i].Status);
            if (status is null)
            {
                return false;
            }

            foreach (var member in members.Where(m => m != observer))
            {
                var peer = member.Id is null ? null : status.Peer(member.Id);
                if (peer is null || !accept(peer))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Every node lists every other node as alive.</summary>
    public Task<bool> AllAliveAsync(CancellationToken cancellationToken) =>
        AllSeeEachOtherAsync(Nodes, Nodes, p => p.IsAlive, cancellationToken);

    /// <summary>True when every receiver has a remote-tracking ref at each of the commits.</summary>
    public static async Task<bool> ArrivedAsync(
        IEnumerable<PeerMeshNode> receivers,
        IEnumerable<string> commits,
        CancellationToken cancellationToken)
    {
        var wanted = commits.ToList();
        foreach (var receiver in receivers)
        {
            foreach (var commit in wanted)
            {
                if (!await receiver.HasRemoteRefAtAsync(commit, cancellationToken))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Each node's last status (peers with state and sources) and its process state, for failure messages.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var node in Nodes)
        {
            text.Append(node).Append(": ");
            var process = node.Process;
            text.Append(process is null ? "not started" : process.HasExited ? $"exited {process.ExitCode}" : "running");
            if (node.LastStatusJson is { } json)
            {
                try
                {
                    var status = MeshStatus.Parse(json);
                    foreach (var peer in status.Peers)
                    {
                        var name = Nodes.FirstOrDefault(n => n.Id == peer.Id)?.Name ?? peer.Name ?? peer.Id;
                        text.Append($" [{name} {peer.State} via {string.Join('+', peer.FoundBy ?? [])}, {peer.Remotes?.Count ?? 0} remote(s)]");
                    }
                }
                catch (FormatException)
                {
                    text.Append(" (last status unreadable)");
                }
            }

            if (process is not null)
            {
                text.Append(" stderr: ").Append(PeerMeshNode.Tail(process.ReadStderr(), 400));
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    public ValueTask DisposeAsync() => Bed.DisposeAsync();
}
