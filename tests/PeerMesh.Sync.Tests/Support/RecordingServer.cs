using System.Net.Sockets;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>
/// An offline peer that can tell whether anyone tried it: counts each connection, then closes it at once (so a
/// client that did connect fails fast instead of hanging). The count is taken before the close, so once the client
/// has seen the close, the count includes it.
/// </summary>
internal sealed class RecordingServer : LoopbackTcpServer
{
    private int _connections;

    public RecordingServer() => StartAccepting();

    public int Connections => Volatile.Read(ref _connections);

    protected override Task ServeAsync(TcpClient client)
    {
        Interlocked.Increment(ref _connections);
        client.Dispose();
        return Task.CompletedTask;
    }
}
