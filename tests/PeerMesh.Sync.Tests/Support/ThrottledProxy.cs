using System.Net;
using System.Net.Sockets;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>
/// A TCP proxy on loopback in front of a real git daemon that passes the daemon's answer on in small chunks with a
/// pause between them: a real fetch that takes long enough to be watched while it runs. With a hold, it stops
/// passing the answer on after that many bytes until <see cref="Release"/>: a fetch stopped mid-pack at a known point.
/// </summary>
internal sealed class ThrottledProxy : LoopbackTcpServer
{
    private readonly int _upstreamPort;
    private readonly int _chunkBytes;
    private readonly TimeSpan _pause;
    private readonly long _holdAfterBytes;
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _passed;

    public ThrottledProxy(int upstreamPort, int chunkBytes, TimeSpan pause, long holdAfterBytes = long.MaxValue)
    {
        _upstreamPort = upstreamPort;
        _chunkBytes = chunkBytes;
        _pause = pause;
        _holdAfterBytes = holdAfterBytes;
        StartAccepting();
    }

    /// <summary>Completes when the answer is held: at least the hold's bytes were passed on, no more will be until released.</summary>
    public Task Held => _held.Task;

    public void Release() => _released.TrySetResult();

    protected override async Task ServeAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, Stopping);
                var toUpstream = client.GetStream().CopyToAsync(upstream.GetStream(), Stopping);
                var fromUpstream = TrickleAsync(upstream.GetStream(), client.GetStream());
                await Task.WhenAny(toUpstream, fromUpstream);
                await fromUpstream;
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
            }
        }
    }

    private async Task TrickleAsync(Stream from, Stream to)
    {
        var buffer = new byte[_chunkBytes];
        while (true)
        {
            var read = await from.ReadAsync(buffer, Stopping);
            if (read == 0)
            {
                return;
            }

            await to.WriteAsync(buffer.AsMemory(0, read), Stopping);
            if (Interlocked.Add(ref _passed, read) >= _holdAfterBytes)
            {
                _held.TrySetResult();
                await _released.Task.WaitAsync(Stopping);
            }

            await Task.Delay(_pause, Stopping);
        }
    }
}
