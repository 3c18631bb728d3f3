using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace PeerMesh.TestSupport.Git;

/// <summary>
/// A clone in progress as the git daemon sees it: a git:// request for upload-pack whose ref advertisement has begun
/// to arrive, after which the client says nothing until the test lets it finish (<see cref="CompleteAsync"/>). The
/// daemon's per-connection child and its <c>git upload-pack</c> are running until the connection ends (or the daemon's
/// <c>--timeout</c>). Protocol v0, no capabilities: the pack comes raw after the server's NAK.
/// </summary>
public sealed class UploadPackConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly MemoryStream _received = new();
    private int _read;

    private UploadPackConnection(Socket socket) => _socket = socket;

    /// <summary>Returns once the first bytes of the ref advertisement of <c>/</c> arrived: upload-pack runs.</summary>
    public static Task<UploadPackConnection> OpenAsync(int port, CancellationToken cancellationToken) =>
        OpenAsync(port, "/", cancellationToken);

    /// <summary>Returns once the first bytes of the ref advertisement of <paramref name="path"/> arrived: upload-pack runs.</summary>
    public static async Task<UploadPackConnection> OpenAsync(int port, string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            var connection = new UploadPackConnection(socket);
            await connection.SendLineAsync($"git-upload-pack {path}\0host=127.0.0.1\0", cancellationToken);
            if (!await connection.FillAsync(4, cancellationToken))
            {
                throw new InvalidOperationException("the daemon closed the connection instead of advertising refs");
            }

            return connection;
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

    /// <summary>
    /// Finishes the clone: reads the advertisement, wants the first ref's commit, and receives the pack to its end.
    /// Returns that commit and whether the pack arrived whole (its header, and its trailing SHA-1 of everything before).
    /// </summary>
    /// <param name="want">The object to ask for instead (advertised or not: a raw client asks for anything).</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <exception cref="SocketException">The connection was cut.</exception>
    public async Task<(string Commit, bool PackComplete)> CompleteAsync(CancellationToken cancellationToken, string? want = null)
    {
        string? first = null;
        while (await ReadLineAsync(cancellationToken) is { } line)
        {
            first ??= line[..40];
        }

        first = want ?? first ?? throw new InvalidOperationException("no refs advertised");
        await SendLineAsync($"want {first}\n", cancellationToken);
        await _socket.SendAsync("0000"u8.ToArray(), cancellationToken);
        await SendLineAsync("done\n", cancellationToken);
        try
        {
            if (await ReadLineAsync(cancellationToken) != "NAK\n")
            {
                return (first, false);
            }
        }
        catch (InvalidOperationException) when (want is not null)
        {
            return (first, false); // the server hung up instead of answering: refused
        }

        // The pack runs to the end of the connection.
        while (await FillAsync((int)_received.Length + 1, cancellationToken))
        {
        }

        var pack = _received.ToArray().AsSpan(_read);
#pragma warning disable CA5350 // git's pack trailer is a SHA-1: checking it is not choosing it

        var whole = pack.Length > 32
            && pack[..4].SequenceEqual("PACK"u8)
            && SHA1.HashData(pack[..^20]).AsSpan().SequenceEqual(pack[^20..]);
#pragma warning restore CA5350
        return (first, whole);
    }

    public void Dispose()
    {
        _socket.Dispose();
        _received.Dispose();
    }

    /// <summary>One pkt-line's payload, or null for a flush packet.</summary>
    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        if (!await FillAsync(_read + 4, cancellationToken))
        {
            throw new InvalidOperationException("the connection ended inside a pkt-line");
        }

        var length = int.Parse(Encoding.ASCII.GetString(_received.GetBuffer(), _read, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if (length == 0)
        {
            _read += 4;
            return null;
        }

        if (!await FillAsync(_read + length, cancellationToken))
        {
            throw new InvalidOperationException("the connection ended inside a pkt-line");
        }

        var payload = Encoding.ASCII.GetString(_received.GetBuffer(), _read + 4, length - 4);
        _read += length;
        return payload;
    }

    /// <summary>Receives until at least <paramref name="total"/> bytes arrived in all; false when the connection ended first.</summary>
    private async Task<bool> FillAsync(int total, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (_received.Length < total)
        {
            var count = await _socket.ReceiveAsync(buffer, cancellationToken);
            if (count == 0)
            {
                return false;
            }

            await _received.WriteAsync(buffer.AsMemory(0, count), cancellationToken);
        }

        return true;
    }

    private async Task SendLineAsync(string payload, CancellationToken cancellationToken) =>
        await _socket.SendAsync(Encoding.ASCII.GetBytes($"{payload.Length + 4:x4}{payload}"), cancellationToken);
}
