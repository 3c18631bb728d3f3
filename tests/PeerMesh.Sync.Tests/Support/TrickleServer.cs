using System.Net.Sockets;
using System.Text;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>
/// A TCP listener on loopback that answers every connection with the header of a huge pkt-line and then one byte
/// every 200 ms, forever (HOSTILE-INPUTS 27: a peer that trickles).
/// </summary>
internal sealed class TrickleServer : LoopbackTcpServer
{
    public TrickleServer() => StartAccepting();

    protected override async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                await stream.WriteAsync(Encoding.ASCII.GetBytes("fff0"), Stopping);
                while (true)
                {
                    await Task.Delay(200, Stopping);
                    await stream.WriteAsync("a"u8.ToArray(), Stopping);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
            }
        }
    }
}
