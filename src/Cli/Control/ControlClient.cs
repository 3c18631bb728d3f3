using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace PeerMesh.Cli.Control;

/// <summary>Talks to a running node: one request, one response.</summary>
internal static class ControlClient
{
    /// <exception cref="CliException">No node is running (exit 3), or the node answered an error.</exception>
    public static async Task<ControlResponse> SendAsync(string socketPath, string homeDisplay, ControlRequest request, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.ConnectionRefused or SocketError.NetworkDown or SocketError.Fault || !File.Exists(socketPath))
        {
            throw new CliException($"no node is running for the home {homeDisplay}", ExitCodes.NoNode);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            throw new CliException($"the node of {homeDisplay} belongs to another user", ExitCodes.Failure);
        }

        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var line = JsonSerializer.Serialize(request, ControlJson.Options) + "\n";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var answer = await reader.ReadLineAsync(cancellationToken)
            ?? throw new CliException($"the node of {homeDisplay} closed the connection without answering", ExitCodes.Failure);
        var response = JsonSerializer.Deserialize<ControlResponse>(answer, ControlJson.Options)
            ?? throw new CliException("the node sent an empty answer", ExitCodes.Failure);
        return response.Ok ? response : throw new CliException(response.Error ?? "the node refused the request", response.ExitCode ?? ExitCodes.Failure);
    }
}
