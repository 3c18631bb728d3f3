using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace PeerMesh.Mesh.Gossip;

/// <summary>Counters of the gossip channel, for `status` (thread-safe).</summary>
internal sealed class MeshStatistics
{
    private readonly ConcurrentDictionary<string, long> _drops = new(StringComparer.Ordinal);
    private long _datagramsIn;
    private long _bytesIn;
    private long _datagramsOut;
    private long _bytesOut;
    private long _sendFailures;
    private long _conflicts;
    private long _repoRequests;
    private long _gossipTicks;
    private long _probeTimeouts;

    public long DatagramsIn => Interlocked.Read(ref _datagramsIn);

    public long BytesIn => Interlocked.Read(ref _bytesIn);

    public long DatagramsOut => Interlocked.Read(ref _datagramsOut);

    public long BytesOut => Interlocked.Read(ref _bytesOut);

    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <summary>Two claims for one node id that disagree (HOSTILE 20).</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    /// <summary>Repository requests sent to members whose announced set we did not hold.</summary>
    public long RepoRequests => Interlocked.Read(ref _repoRequests);

    /// <summary>Times the gossip timer woke the node (it stops while nothing is queued: flat when idle).</summary>
    public long GossipTicks => Interlocked.Read(ref _gossipTicks);

    /// <summary>Times the probe timeout timer woke the node (it is stopped when the ack comes: an answered probe costs none).</summary>
    public long ProbeTimeouts => Interlocked.Read(ref _probeTimeouts);

    public long TotalDrops => _drops.Values.Sum();

    /// <summary>Drops by reason (see <c>DropReason</c>), sorted by reason.</summary>
    public ImmutableSortedDictionary<string, long> Drops => _drops.ToImmutableSortedDictionary(StringComparer.Ordinal);

    public long DropsFor(string reason) => _drops.GetValueOrDefault(reason);

    internal void CountIn(int bytes)
    {
        Interlocked.Increment(ref _datagramsIn);
        Interlocked.Add(ref _bytesIn, bytes);
    }

    internal void CountOut(int bytes)
    {
        Interlocked.Increment(ref _datagramsOut);
        Interlocked.Add(ref _bytesOut, bytes);
    }

    internal void CountSendFailure() => Interlocked.Increment(ref _sendFailures);

    internal void CountConflict() => Interlocked.Increment(ref _conflicts);

    internal void CountRepoRequest() => Interlocked.Increment(ref _repoRequests);

    internal void CountGossipTick() => Interlocked.Increment(ref _gossipTicks);

    internal void CountProbeTimeout() => Interlocked.Increment(ref _probeTimeouts);

    internal void CountDrop(string reason) => _drops.AddOrUpdate(reason, 1, static (_, n) => n + 1);
}
