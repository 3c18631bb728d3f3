using Microsoft.Extensions.Time.Testing;
using PeerMesh.Cli.Node;
using Xunit;

namespace PeerMesh.Cli.Tests.Node;

public sealed class HeapTrimmerTests
{
    private readonly FakeTimeProvider _time = new();
    private int _trims;

    [Fact]
    public void FetchEnded_QuietAfterwards_TrimsOnceAfterTheQuietDelay()
    {
        using var trimmer = Create();

        trimmer.FetchEnded();
        _time.Advance(HeapTrimmer.QuietDelay - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, _trims);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, _trims);
        _time.Advance(HeapTrimmer.QuietDelay * 3);
        Assert.Equal(1, _trims);
    }

    [Fact]
    public void FetchEnded_AnotherEndsWithinTheDelay_TrimsOnceAfterTheLast()
    {
        using var trimmer = Create();

        trimmer.FetchEnded();
        _time.Advance(HeapTrimmer.QuietDelay / 2);
        trimmer.FetchEnded();
        _time.Advance(HeapTrimmer.QuietDelay / 2);
        Assert.Equal(0, _trims);
        _time.Advance(HeapTrimmer.QuietDelay / 2);
        Assert.Equal(1, _trims);
    }

    [Fact]
    public void Create_NoFetches_TrimsOnlyEveryInterval()
    {
        using var trimmer = Create();

        _time.Advance(GlibcHeap.TrimInterval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, _trims);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, _trims);
        _time.Advance(GlibcHeap.TrimInterval);
        Assert.Equal(2, _trims);
    }

    [Fact]
    public void Dispose_FetchEndedBefore_NoTrimAfterwards()
    {
        var trimmer = Create();
        trimmer.FetchEnded();

        trimmer.Dispose();
        _time.Advance(GlibcHeap.TrimInterval * 2);

        Assert.Equal(0, _trims);
    }

    private HeapTrimmer Create() => new(_time, () =>
    {
        _trims++;
        return true;
    });
}
