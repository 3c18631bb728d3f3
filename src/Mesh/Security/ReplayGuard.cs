namespace PeerMesh.Mesh.Security;

/// <summary>
/// Bounds replay of sealed datagrams: a timestamp outside the tolerance is stale, and a nonce seen within
/// the tolerance window is a replay. Memory is bounded by <see cref="Capacity"/> (oldest forgotten first).
/// </summary>
internal sealed class ReplayGuard(TimeSpan tolerance, int capacity = 65536)
{
    private readonly HashSet<UInt128> _seen = [];
    private readonly Queue<(UInt128 Nonce, long AtMs)> _order = new();

    public int Capacity { get; } = capacity;

    /// <summary>True when the datagram is fresh and its nonce not seen before (then it is remembered).</summary>
    public bool TryAccept(long timestampMs, ReadOnlySpan<byte> nonce, long nowMs)
    {
        var toleranceMs = (long)tolerance.TotalMilliseconds;
        if (Math.Abs(nowMs - timestampMs) > toleranceMs)
        {
            return false;
        }

        while (_order.Count > 0 && (_order.Peek().AtMs < nowMs - (2 * toleranceMs) || _order.Count >= Capacity))
        {
            _seen.Remove(_order.Dequeue().Nonce);
        }

        Span<byte> padded = stackalloc byte[16];
        padded.Clear();
        nonce[..Math.Min(16, nonce.Length)].CopyTo(padded);
        var key = BitConverter.ToUInt128(padded);
        if (!_seen.Add(key))
        {
            return false;
        }

        _order.Enqueue((key, nowMs));
        return true;
    }
}
