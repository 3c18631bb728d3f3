using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PeerMesh.TestSupport.Git;

/// <summary>
/// A clone in progress as the git daemon sees it: a git:// request for upload-pack whose ref advertisement has been
/// received, after which the client says nothing. The daemon's per-connection child and its <c>git upload-pack</c>
/// are running until the connection ends (or the daemon's <c>--timeout</c>).
/// </summary>
public sealed class UploadPackConnection : IDisposable
{
    private readonly Socket _socket;

    private UploadPackConnection(Socket socket) => _socket = socket;

    /// <summary>Returns once the first bytes of the ref advertisement arrived: upload-pack runs.</summary>
    public static async Task<UploadPackConnection> OpenAsync(int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            var request = "git-upload-pack /\0host=127.0.0.1\0";
            var line = Encoding.ASCII.GetBytes($"{request.Length + 4:x4}{request}");
            await socket.SendAsync(line, cancellationToken);
            var buffer = new byte[4];
            var received = await socket.ReceiveAsync(buffer, cancellationToken);
            if (received == 0)
            {
                throw new InvalidOperationException("the daemon closed the connection instead of advertising refs");
            }

            return new UploadPackConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>True once the server side has closed or reset the connection (reads drain what was advertised).</summary>
    public async Task<bool> IsCutAsync(TimeSpan within, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(within);
        try
        {
            while (await _socket.ReceiveAsync(buffer, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public void Dispose() => _socket.Dispose();
}
