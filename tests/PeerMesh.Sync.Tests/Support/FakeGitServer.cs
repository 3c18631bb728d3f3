using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>
/// A git:// server on loopback that advertises one branch at a commit id of the test's choosing and answers the
/// negotiation with whatever pack bytes the test gives (HOSTILE-INPUTS 29: corrupt, truncated or mismatched packs).
/// </summary>
internal sealed class FakeGitServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly string _advertisedId;
    private readonly byte[] _pack;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    public FakeGitServer(string advertisedId, byte[] pack)
    {
        _advertisedId = advertisedId;
        _pack = pack;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _serving = ServeAsync();
    }

    public int Port { get; }

    /// <summary>How many connections reached the pack stage.</summary>
    public int PacksSent { get; private set; }

    private static string Pkt(string payload) => (payload.Length + 4).ToString("x4") + payload;

    private static async Task<string?> ReadPktAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        await stream.ReadExactlyAsync(header, cancellationToken);
        var length = Convert.ToInt32(Encoding.ASCII.GetString(header), 16);
        if (length == 0)
        {
            return null; // flush
        }

        var payload = new byte[length - 4];
        await stream.ReadExactlyAsync(payload, cancellationToken);
        return Encoding.ASCII.GetString(payload);
    }

    private async Task ServeAsync()
    {
        try
        {
            while (true)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var stream = client.GetStream();
                try
                {
                    await ReadPktAsync(stream, _stop.Token); // git-upload-pack /path\0host=...\0
                    var advertisement = Pkt($"{_advertisedId} HEAD\0ofs-delta\n") + Pkt($"{_advertisedId} refs/heads/main\n") + "0000";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(advertisement), _stop.Token);
                    while (true)
                    {
                        var line = await ReadPktAsync(stream, _stop.Token);
                        if (line is not null && line.StartsWith("done", StringComparison.Ordinal))
                        {
                            break;
                        }
                    }

                    await stream.WriteAsync(Encoding.ASCII.GetBytes(Pkt("NAK\n")), _stop.Token);
                    await stream.WriteAsync(_pack, _stop.Token);
                    PacksSent++;
                }
                catch (Exception e) when (e is IOException or EndOfStreamException or FormatException)
                {
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _serving;
        _stop.Dispose();
    }
}
