using LibGit2Sharp;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Sync.Fetching;
using Xunit;

namespace PeerMesh.Sync.Tests.Fetching;

public sealed class FetchProgressTests
{
    private static readonly ObjectId s_old = new("1111111111111111111111111111111111111111");
    private static readonly ObjectId s_new = new("2222222222222222222222222222222222222222");
    private readonly FakeTimeProvider _time = new();

    private FetchProgress Progress(int maxRefs = 10) => new(_time, 1024, maxRefs, "refs/remotes/peer/", CancellationToken.None);

    [Fact]
    public void CheckStalled_PeerSilentForTheLimit_AbortedAsNoProgress()
    {
        using var progress = Progress();
        progress.OnPeerBytes(10);

        _time.Advance(TimeSpan.FromSeconds(2));
        progress.CheckStalled(TimeSpan.FromSeconds(2));

        Assert.Equal(FetchAbortReason.NoProgress, progress.AbortReason);
        Assert.True(progress.Aborted.IsCancellationRequested);
    }

    /// <summary>The watchdog's tick can run as the fetch fails and disposes its progress: it must not throw on the timer's thread.</summary>
    [Fact]
    public void CheckStalled_AfterDispose_DoesNotThrow()
    {
        var progress = Progress();
        progress.OnPeerBytes(10);
        progress.Dispose();

        _time.Advance(TimeSpan.FromSeconds(2));
        progress.CheckStalled(TimeSpan.FromSeconds(2));

        Assert.Equal(FetchAbortReason.NoProgress, progress.AbortReason);
    }

    [Fact]
    public void CheckStalled_TransferDoneThenLongLocalWork_NotAborted()
    {
        using var progress = Progress();
        progress.OnPeerBytes(10);
        progress.TransferDone();

        // Writing 10 000 tracking refs on a loaded machine takes a while; the peer is not silent, it is finished.
        _time.Advance(TimeSpan.FromMinutes(1));
        progress.CheckStalled(TimeSpan.FromSeconds(2));

        Assert.Equal(FetchAbortReason.None, progress.AbortReason);
        Assert.True(progress.OnUpdateTip("refs/remotes/peer/main", s_old, s_new));
    }

    [Theory]
    [InlineData("refs/heads/main")]
    [InlineData("refs/remotes/peerx/main")]
    [InlineData("refs/tags/v1")]
    [InlineData("HEAD")]
    public void OnUpdateTip_OutsideTheTrackingRefs_RefusedBeforeTheWrite(string name)
    {
        using var progress = Progress();

        Assert.False(progress.OnUpdateTip(name, s_old, s_new));

        Assert.Equal(FetchAbortReason.ForeignRef, progress.AbortReason);
        Assert.Empty(progress.Updates);
    }

    [Fact]
    public void OnUpdateTip_MoreBranchesThanTheCap_TheCapWrittenThenStopped()
    {
        using var progress = Progress(maxRefs: 2);

        Assert.True(progress.OnUpdateTip("refs/remotes/peer/a", ObjectId.Zero, s_new));
        Assert.True(progress.OnUpdateTip("refs/remotes/peer/b", ObjectId.Zero, s_new));
        Assert.False(progress.OnUpdateTip("refs/remotes/peer/c", ObjectId.Zero, s_new));

        Assert.Equal(FetchAbortReason.TooManyRefs, progress.AbortReason);
        Assert.Equal(["refs/remotes/peer/a", "refs/remotes/peer/b"], progress.Updates.Select(u => u.Name));
    }
}
