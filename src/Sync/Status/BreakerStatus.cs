namespace PeerMesh.Sync.Status;

/// <summary>A peer's circuit breaker as status shows it.</summary>
/// <param name="State">"closed", "open", "half-open" (one fetch let through to test the peer) or "isolated".</param>
/// <param name="Failures">Failed attempts (the peer's fault) since the breaker last closed.</param>
/// <param name="RetryAt">While open: when it lets a fetch through again (the next fetch from then on tries).</param>
internal sealed record BreakerStatus(string State, int Failures, DateTimeOffset? RetryAt)
{
    public static readonly BreakerStatus Closed = new("closed", 0, null);
}
