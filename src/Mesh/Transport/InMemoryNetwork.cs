using System.Net;

namespace PeerMesh.Mesh.Transport;

/// <summary>
/// A simulated datagram network for tests and benchmarks (memberlist's MockNetwork, but lossy): loss,
/// latency with jitter (which reorders), duplication, partitions and crashed hosts. Deliveries are driven by
/// one periodic timer of the given <see cref="TimeProvider"/> (every <see cref="Tick"/>) and happen synchronously in
/// its callback, so with a fake clock everything runs on the thread that advances time and is deterministic for a
/// seed. Sending never touches the timer, so a sender holding its own lock cannot deadlock with a delivery in progress.
/// </summary>
internal sealed class InMemoryNetwork : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly Dictionary<IPEndPoint, InMemoryTransport> _endpoints = [];
    private readonly HashSet<IPEndPoint> _crashed = [];
    private readonly Dictionary<IPEndPoint, int> _partitionOf = [];
    private readonly PriorityQueue<Delivery, (long Due, long Seq)> _queue = new();
    private readonly ITimer _timer;
    private long _seq;
    private int _nextHost = 1;

    public InMemoryNetwork(TimeProvider time, int seed, TimeSpan? tick = null)
    {
        _time = time;
        _random = new Random(seed);
        Tick = tick ?? TimeSpan.FromMilliseconds(1);
        _timer = time.CreateTimer(_ => OnTimer(), null, Tick, Tick);
    }

    /// <summary>Delivery granularity: due datagrams are handed over at every tick.</summary>
    public TimeSpan Tick { get; }

    /// <summary>Probability that a datagram is lost.</summary>
    public double LossRate { get; set; }

    /// <summary>Probability that a datagram is delivered twice.</summary>
    public double DuplicateRate { get; set; }

    /// <summary>Base one-way latency (delivered at the first tick at or after it; never re-entrantly inside a send).</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Extra uniform random latency in [0, Jitter): datagrams overtake each other.</summary>
    public TimeSpan Jitter { get; set; }

    public long DatagramsSent { get; private set; }

    public long BytesSent { get; private set; }

    public long DatagramsDelivered { get; private set; }

    /// <summary>The largest datagram handed to the network so far (bytes), whatever became of it.</summary>
    public int LargestDatagram { get; private set; }

    /// <summary>Creates a transport at a fresh address 10.x.y.z:7946 (or the given one).</summary>
    public InMemoryTransport CreateTransport(IPEndPoint? endPoint = null)
    {
        lock (_lock)
        {
            if (endPoint is null)
            {
                var host = _nextHost++;
                endPoint = new IPEndPoint(new IPAddress([10, (byte)(host >> 16), (byte)(host >> 8), (byte)host]), 7946);
            }

            var transport = new InMemoryTransport(this, endPoint);
            _endpoints[endPoint] = transport;
            _crashed.Remove(endPoint);
            return transport;
        }
    }

    /// <summary>The host stops sending and receiving at once, without a word (kill -9 or cable pulled).</summary>
    public void Crash(IPEndPoint endPoint)
    {
        lock (_lock)
        {
            _crashed.Add(endPoint);
        }
    }

    /// <summary>Splits the network: the given endpoints only reach each other; all others only reach each other.</summary>
    public void Partition(IEnumerable<IPEndPoint> side)
    {
        lock (_lock)
        {
            _partitionOf.Clear();
            foreach (var endPoint in side)
            {
                _partitionOf[endPoint] = 1;
            }
        }
    }

    public void Heal()
    {
        lock (_lock)
        {
            _partitionOf.Clear();
        }
    }

    public void Dispose() => _timer.Dispose();

    internal void Detach(IPEndPoint endPoint)
    {
        lock (_lock)
        {
            _endpoints.Remove(endPoint);
        }
    }

    internal void Send(IPEndPoint from, IPEndPoint to, ReadOnlySpan<byte> datagram)
    {
        lock (_lock)
        {
            DatagramsSent++;
            BytesSent += datagram.Length;
            LargestDatagram = Math.Max(LargestDatagram, datagram.Length);
            if (_crashed.Contains(from) || _random.NextDouble() < LossRate)
            {
                return;
            }

            var copies = _random.NextDouble() < DuplicateRate ? 2 : 1;
            var data = datagram.ToArray();
            var now = _time.GetUtcNow().UtcTicks;
            for (var i = 0; i < copies; i++)
            {
                var delay = Math.Max(1, Latency.Ticks + (Jitter > TimeSpan.Zero ? (long)(_random.NextDouble() * Jitter.Ticks) : 0));
                _queue.Enqueue(new Delivery(from, to, data), (now + delay, _seq++));
            }
        }
    }

    private void OnTimer()
    {
        while (true)
        {
            Delivery delivery;
            InMemoryTransport? target;
            lock (_lock)
            {
                var now = _time.GetUtcNow().UtcTicks;
                if (!_queue.TryPeek(out delivery, out var key) || key.Due > now)
                {
                    return;
                }

                _queue.Dequeue();
                if (_crashed.Contains(delivery.To) || _crashed.Contains(delivery.From)
                    || _partitionOf.GetValueOrDefault(delivery.From) != _partitionOf.GetValueOrDefault(delivery.To)
                    || !_endpoints.TryGetValue(delivery.To, out target))
                {
                    continue;
                }

                DatagramsDelivered++;
            }

            // Outside the lock: the receiver may send (which takes the lock again).
            target.Deliver(new ReceivedDatagram(delivery.From, delivery.Data));
        }
    }

    private readonly record struct Delivery(IPEndPoint From, IPEndPoint To, byte[] Data);
}
