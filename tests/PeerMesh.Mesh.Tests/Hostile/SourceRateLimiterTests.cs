using System.Net;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.Gossip;
using Xunit;

namespace PeerMesh.Mesh.Tests.Hostile;

/// <summary>HOSTILE-INPUTS 11: the per-source token bucket of the gossip receive path.</summary>
public sealed class SourceRateLimiterTests
{
    private static readonly IPEndPoint s_flooder = new(IPAddress.Parse("10.0.0.66"), 7946);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void TryAcquire_BurstOverLimit_RefusedAndLimitingSignalledOnce()
    {
        var limiter = new SourceRateLimiter(100, _time);

        var allowed = Enumerable.Range(0, 100).Count(i => limiter.TryAcquire(s_flooder, out _));
        var first = limiter.TryAcquire(s_flooder, out var startedFirst);
        var second = limiter.TryAcquire(s_flooder, out var startedSecond);

        Assert.Equal(100, allowed);
        Assert.False(first);
        Assert.True(startedFirst);
        Assert.False(second);
        Assert.False(startedSecond);
    }

    [Fact]
    public void TryAcquire_OtherPortsOfTheSameRemoteHost_ShareOneBucket()
    {
        var limiter = new SourceRateLimiter(10, _time);

        var allowed = Enumerable.Range(0, 100).Count(i => limiter.TryAcquire(new IPEndPoint(s_flooder.Address, 1000 + i), out _));

        Assert.Equal(10, allowed);
    }

    [Fact]
    public void TryAcquire_OtherHostWhileOneIsLimited_Allowed()
    {
        var limiter = new SourceRateLimiter(10, _time);
        for (var i = 0; i < 50; i++)
        {
            limiter.TryAcquire(s_flooder, out _);
        }

        Assert.True(limiter.TryAcquire(new IPEndPoint(IPAddress.Parse("10.0.0.7"), 7946), out _));
        Assert.False(limiter.TryAcquire(s_flooder, out _));
    }

    [Fact]
    public void TryAcquire_LoopbackNodesOnDifferentPorts_SeparateBuckets()
    {
        var limiter = new SourceRateLimiter(1, _time);

        Assert.True(limiter.TryAcquire(new IPEndPoint(IPAddress.Loopback, 4000), out _));
        Assert.True(limiter.TryAcquire(new IPEndPoint(IPAddress.Loopback, 4001), out _));
        Assert.False(limiter.TryAcquire(new IPEndPoint(IPAddress.Loopback, 4000), out _));
    }

    [Fact]
    public void TryAcquire_AfterTimePasses_RefilledAtTheRate()
    {
        var limiter = new SourceRateLimiter(100, _time);
        for (var i = 0; i < 150; i++)
        {
            limiter.TryAcquire(s_flooder, out _);
        }

        _time.Advance(TimeSpan.FromMilliseconds(100));
        var allowed = Enumerable.Range(0, 100).Count(i => limiter.TryAcquire(s_flooder, out _));

        Assert.Equal(10, allowed);
    }

    [Fact]
    public void TryAcquire_Unlimited_AlwaysAllowed()
    {
        var limiter = new SourceRateLimiter(0, _time);

        Assert.All(Enumerable.Range(0, 10_000), i => Assert.True(limiter.TryAcquire(s_flooder, out _)));
    }
}
