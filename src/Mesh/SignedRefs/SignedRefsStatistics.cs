using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace PeerMesh.Mesh.SignedRefs;

/// <summary>Counters of statements refused, by <see cref="StatementRejection"/> reason, and accepted (thread-safe).</summary>
internal sealed class SignedRefsStatistics
{
    private readonly ConcurrentDictionary<string, long> _rejections = new(StringComparer.Ordinal);
    private long _accepted;

    public long Accepted => Interlocked.Read(ref _accepted);

    public long TotalRejections => _rejections.Values.Sum();

    /// <summary>Rejections by reason, sorted by reason.</summary>
    public ImmutableSortedDictionary<string, long> Rejections => _rejections.ToImmutableSortedDictionary(StringComparer.Ordinal);

    public long RejectionsFor(string reason) => _rejections.GetValueOrDefault(reason);

    internal void CountAccepted() => Interlocked.Increment(ref _accepted);

    internal void CountRejection(string reason) => _rejections.AddOrUpdate(reason, 1, static (_, n) => n + 1);
}
