using System.Net;

namespace PeerMesh.Discovery.Mdns;

/// <summary>
/// A token bucket per source address (HOSTILE-INPUTS 11): a host flooding the link is cut off
/// before its packets are even parsed, while other hosts are still served. The table is bounded.
/// </summary>
internal sealed class MdnsSourceRateLimiter(int packetsPerSecond, TimeProvider timeProvider)
{
    private const int MaxSources = 4096;

    private readonly Dictionary<IPAddress, (double Tokens, TimeSpan At)> _buckets = [];
    private readonly object _gate = new();

    /// <summary>True when a packet from <paramref name="source"/> may be processed.</summary>
    public bool TryAcquire(IPAddress source)
    {
        if (packetsPerSecond <= 0)
        {
            return true;
        }

        var now = MdnsClock.Now(timeProvider);
        lock (_gate)
        {
            if (!_buckets.TryGetValue(source, out var bucket))
            {
                if (_buckets.Count >= MaxSources)
                {
                    _buckets.Clear();
                }

                bucket = (packetsPerSecond, now);
            }

            // A full second's worth of burst, refilled continuously.
            var tokens = Math.Min(packetsPerSecond, bucket.Tokens + (now - bucket.At).TotalSeconds * packetsPerSecond);
            var allowed = tokens >= 1;
            _buckets[source] = (allowed ? tokens - 1 : tokens, now);
            return allowed;
        }
    }
}
