using System.Net;

namespace PeerMesh.Mesh.Gossip;

/// <summary>
/// A token bucket per datagram source (HOSTILE-INPUTS 11), checked before anything is decoded or
/// decrypted: a host flooding us is cut off cheaply while other peers are still served. A remote host is
/// one address whatever its source ports; on loopback every local node shares 127.0.0.1 (tests,
/// benchmarks), so there the port is part of the key. The table is bounded.
/// </summary>
internal sealed class SourceRateLimiter(int datagramsPerSecond, TimeProvider time)
{
    private const int MaxSources = 4096;

    private readonly Dictionary<IPEndPoint, Bucket> _buckets = [];
    private readonly Lock _gate = new();

    /// <summary>True when a datagram from <paramref name="source"/> may be processed; <paramref name="startedLimiting"/> on the first refusal of a burst (log once).</summary>
    public bool TryAcquire(IPEndPoint source, out bool startedLimiting)
    {
        startedLimiting = false;
        if (datagramsPerSecond <= 0)
        {
            return true;
        }

        var key = IPAddress.IsLoopback(source.Address) ? source : new IPEndPoint(source.Address, 0);
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (!_buckets.TryGetValue(key, out var bucket))
            {
                if (_buckets.Count >= MaxSources)
                {
                    // Forgetting everyone only grants a fresh burst; it never blocks anybody.
                    _buckets.Clear();
                }

                bucket = new Bucket(datagramsPerSecond, now, false);
            }

            // One second's worth of burst (a push-pull of a big table comes in many parts), refilled continuously.
            var elapsed = time.GetElapsedTime(bucket.At, now).TotalSeconds;
            var tokens = Math.Min(datagramsPerSecond, bucket.Tokens + (elapsed * datagramsPerSecond));
            var allowed = tokens >= 1;
            startedLimiting = !allowed && !bucket.Limiting;
            _buckets[key] = new Bucket(allowed ? tokens - 1 : tokens, now, !allowed);
            return allowed;
        }
    }

    private readonly record struct Bucket(double Tokens, long At, bool Limiting);
}
