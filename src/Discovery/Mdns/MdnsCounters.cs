using System.Collections.Concurrent;

namespace PeerMesh.Discovery.Mdns;

/// <summary>Thread-safe traffic and drop counters shown in status.</summary>
internal sealed class MdnsCounters
{
    private readonly ConcurrentDictionary<string, long> _drops = new(StringComparer.Ordinal);
    private long _packetsIn;
    private long _packetsOut;
    private long _bytesIn;
    private long _bytesOut;

    public long PacketsIn => Interlocked.Read(ref _packetsIn);

    public long PacketsOut => Interlocked.Read(ref _packetsOut);

    public long BytesIn => Interlocked.Read(ref _bytesIn);

    public long BytesOut => Interlocked.Read(ref _bytesOut);

    public void Received(int bytes)
    {
        Interlocked.Increment(ref _packetsIn);
        Interlocked.Add(ref _bytesIn, bytes);
    }

    public void Sent(int bytes)
    {
        Interlocked.Increment(ref _packetsOut);
        Interlocked.Add(ref _bytesOut, bytes);
    }

    public void Drop(string reason) => _drops.AddOrUpdate(reason, 1, (_, n) => n + 1);

    public long DropCount(string reason) => _drops.TryGetValue(reason, out var n) ? n : 0;

    public IReadOnlyDictionary<string, long> Drops => new SortedDictionary<string, long>(_drops, StringComparer.Ordinal);
}
