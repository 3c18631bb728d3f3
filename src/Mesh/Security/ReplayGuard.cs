namespace PeerMesh.Mesh.Security;

/// <summary>
/// Bounds replay of sealed datagrams: a timestamp outside the tolerance is stale, and a nonce seen within
/// the tolerance window is a replay. Memory is bounded by <see cref="Capacity"/>: when it is full the
/// oldest nonce is forgotten and its datagram's timestamp becomes a floor, so a datagram whose nonce
/// was forgotten is still refused (as is anything not newer than it: under a flood, late ones are lost).
/// </summary>
internal sealed class ReplayGuard(TimeSpan tolerance, int capacity = 65536)
{
    private readonly HashSet<UInt128> _seen = [];
    private readonly Queue<(UInt128 Nonce, long AtMs, long TimestampMs)> _order = new();
    private long _floorMs = long.MinValue;

    public int Capacity { get; } = capacity;

    /// <summary>True when the datagram is fresh and its nonce not seen before (then it is remembered).</summary>
    public bool TryAccept(long timestampMs, ReadOnlySpan<byte> nonce, long nowMs)
    {
        var toleranceMs = (long)tolerance.TotalMilliseconds;
        if (Math.Abs(nowMs - timestampMs) > toleranceMs || timestampMs <= _floorMs)
        {
            return false;
        }

        // Remembered beyond twice the tolerance, a datagram would be stale anyway.
        while (_order.Count > 0 && _order.Peek().AtMs < nowMs - (2 * toleranceMs))
        {
            _seen.Remove(_order.Dequeue().Nonce);
        }

        Span<byte> padded = stackalloc byte[16];
        padded.Clear();
        nonce[..Math.Min(16, nonce.Length)].CopyTo(padded);
        var key = BitConverter.ToUInt128(padded);
        if (_seen.Contains(key))
        {
            return false;
        }

        if (_order.Count >= Capacity)
        {
            var forgotten = _order.Dequeue();
            _seen.Remove(forgotten.Nonce);
            _floorMs = Math.Max(_floorMs, forgotten.TimestampMs);
        }

        _seen.Add(key);
        _order.Enqueue((key, nowMs, timestampMs));
        return true;
    }
}
