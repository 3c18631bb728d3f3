using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.Transport;
using Xunit;

namespace PeerMesh.Mesh.Tests.Transport;

public sealed class InMemoryNetworkTests
{
    private readonly FakeTimeProvider _time = new();

    private (InMemoryNetwork Network, InMemoryTransport A, InMemoryTransport B, List<byte> Received) Pair(int seed = 1)
    {
        var network = new InMemoryNetwork(_time, seed);
        var a = network.CreateTransport();
        var b = network.CreateTransport();
        var received = new List<byte>();
        b.Start(d => received.Add(d.Data.Span[0]));
        a.Start(_ => { });
        return (network, a, b, received);
    }

    [Fact]
    public void Send_DeliveredAfterLatencyNotBefore()
    {
        var (network, a, b, received) = Pair();
        network.Latency = TimeSpan.FromMilliseconds(10);

        a.Send(b.LocalEndPoint, [1]);
        _time.Advance(TimeSpan.FromMilliseconds(9));
        Assert.Empty(received);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal([1], received);
    }

    [Fact]
    public void Send_Loss_DeterministicForSeed()
    {
        int Delivered(int seed)
        {
            var (network, a, b, received) = Pair(seed);
            network.LossRate = 0.25;
            for (var i = 0; i < 1000; i++)
            {
                a.Send(b.LocalEndPoint, [1]);
            }

            _time.Advance(TimeSpan.FromMilliseconds(5));
            return received.Count;
        }

        var first = Delivered(42);

        Assert.Equal(first, Delivered(42));
        Assert.InRange(first, 700, 800);
    }

    [Fact]
    public void Send_DuplicateRateOne_DeliversTwice()
    {
        var (network, a, b, received) = Pair();
        network.DuplicateRate = 1;

        a.Send(b.LocalEndPoint, [7]);
        _time.Advance(TimeSpan.FromMilliseconds(5));

        Assert.Equal([7, 7], received);
    }

    [Fact]
    public void Send_Jitter_Reorders()
    {
        var (network, a, b, received) = Pair(seed: 3);
        network.Jitter = TimeSpan.FromMilliseconds(50);
        for (byte i = 0; i < 20; i++)
        {
            a.Send(b.LocalEndPoint, [i]);
        }

        for (var i = 0; i < 60; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(20, received.Count);
        Assert.NotEqual(received.Order().ToList(), received);
    }

    [Fact]
    public void Partition_BlocksAcrossUntilHealed()
    {
        var (network, a, b, received) = Pair();
        network.Partition([a.LocalEndPoint]);

        a.Send(b.LocalEndPoint, [1]);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Empty(received);

        network.Heal();
        a.Send(b.LocalEndPoint, [2]);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal([2], received);
    }

    [Fact]
    public void Crash_NothingInOrOut()
    {
        var (network, a, b, received) = Pair();
        network.Crash(a.LocalEndPoint);

        a.Send(b.LocalEndPoint, [1]);
        _time.Advance(TimeSpan.FromMilliseconds(5));

        Assert.Empty(received);
    }
}
