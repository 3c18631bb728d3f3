using System.Net.Sockets;
using System.Text;

namespace PeerMesh.Cli.Control;

/// <summary>Talks to a running node: one request, one response.</summary>
internal static class ControlClient
{
    /// <exception cref="CliException">No node is running (exit 3), or the node answered an error.</exception>
    public static async Task<ControlResponse> SendAsync(string socketPath, string homeDisplay, ControlRequest request, CancellationToken cancellationToken)
    {
        // No socket, no node: said without a failed connect, whose exception from the socket engine carries a stack
        // trace with file and line (that read our PDBs and loaded System.Reflection.Metadata into every node, ~1 MiB).
        if (!File.Exists(socketPath))
        {
            throw NoNode(homeDisplay);
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        }
        catch (SocketException e) when (ConnectFailure(e, socketPath, homeDisplay) is { } failure)
        {
            throw failure;
        }

        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(RequestLine(request), cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Answer(await reader.ReadLineAsync(cancellationToken), homeDisplay);
    }

    /// <summary>
    /// <see cref="SendAsync"/> with blocking calls on the calling thread, for a command that only asks and prints:
    /// no socket engine thread and no thread-pool thread is started, and no hand-off between threads is waited for
    /// (on a loaded machine each one waits for a time slice). Not cancellable: Ctrl-C ends such a command.
    /// </summary>
    /// <exception cref="CliException">No node is running (exit 3), or the node answered an error.</exception>
    public static ControlResponse Send(string socketPath, string homeDisplay, ControlRequest request)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException e) when (ConnectFailure(e, socketPath, homeDisplay) is { } failure)
        {
            throw failure;
        }

        using var stream = new NetworkStream(socket, ownsSocket: false);
        stream.Write(RequestLine(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Answer(reader.ReadLine(), homeDisplay);
    }

    /// <summary>What a failed connect means to the user; null for a failure that is not one of these.</summary>
    private static CliException? ConnectFailure(SocketException e, string socketPath, string homeDisplay) =>
        e.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.ConnectionRefused or SocketError.NetworkDown or SocketError.Fault || !File.Exists(socketPath)
            ? NoNode(homeDisplay)
            : e.SocketErrorCode == SocketError.AccessDenied
                ? new CliException($"the node of {homeDisplay} belongs to another user", ExitCodes.Failure)
                : null;

    private static CliException NoNode(string homeDisplay) => new($"no node is running for the home {homeDisplay}", ExitCodes.NoNode);

    private static byte[] RequestLine(ControlRequest request) => ControlLine.Request(request);

    private static ControlResponse Answer(string? line, string homeDisplay)
    {
        if (line is null)
        {
            throw new CliException($"the node of {homeDisplay} closed the connection without answering", ExitCodes.Failure);
        }

        var response = ControlLine.Response(line)
            ?? throw new CliException($"the node of {homeDisplay} sent an answer that is not a control response", ExitCodes.Failure);
        return response.Ok ? response : throw new CliException(response.Error ?? "the node refused the request", response.ExitCode ?? ExitCodes.Failure);
    }
}
