using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace PeerMesh.Cli.Control;

/// <summary>
/// The node's control endpoint: a Unix socket only the same OS user can open (mode 0600 in a 0700
/// folder). Each connection carries one JSON request line and gets one JSON response line.
/// </summary>
internal sealed partial class ControlServer : IAsyncDisposable
{
    private const int MaxRequestBytes = 4096;

    private readonly string _path;
    private readonly Func<ControlRequest, CancellationToken, Task<ControlResponse>> _handler;
    private readonly ILogger<ControlServer> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task _loop = Task.CompletedTask;

    public ControlServer(string path, Func<ControlRequest, CancellationToken, Task<ControlResponse>> handler, ILogger<ControlServer> logger)
    {
        _path = path;
        _handler = handler;
        _logger = logger;
    }

    public string Path => _path;

    public void Start()
    {
        // A socket file left by a node killed with -9; the node lock proves nobody else owns it.
        File.Delete(_path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(_path));
        File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        listener.Listen(16);
        _listener = listener;
        _loop = AcceptLoopAsync(listener, _stopping.Token);
    }

    public async Task StopAsync()
    {
        await _stopping.CancelAsync();
        _listener?.Dispose();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        try
        {
            File.Delete(_path);
        }
        catch (DirectoryNotFoundException)
        {
            // The repository was moved away with the socket's folder (case 35); the socket went with it, and the
            // next start there replaces it. The rest of the node's stop must still run.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken stopping)
    {
        var connections = new List<Task>();
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }

            connections.RemoveAll(t => t.IsCompleted);
            connections.Add(ServeAsync(client, stopping));
        }

        await Task.WhenAll(connections);
    }

    private async Task ServeAsync(Socket client, CancellationToken stopping)
    {
        using (client)
        {
            await using var stream = new NetworkStream(client, ownsSocket: false);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                var line = await ReadLineAsync(stream, timeout.Token);
                var response = await HandleAsync(line, timeout.Token);
                var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(response, ControlJson.Options) + "\n");
                // An answer is written even while the node stops: "down" stops it, and its client waits for the answer.
                using var writing = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await stream.WriteAsync(bytes, writing.Token);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                LogConnectionFailed(e.Message);
            }
        }
    }

    private async Task<ControlResponse> HandleAsync(string? line, CancellationToken cancellationToken)
    {
        ControlRequest? request;
        try
        {
            request = line is null ? null : JsonSerializer.Deserialize<ControlRequest>(line, ControlJson.Options);
        }
        catch (JsonException)
        {
            request = null;
        }

        if (request is null || string.IsNullOrEmpty(request.Command))
        {
            return ControlResponse.Failure("malformed request");
        }

        if (request.Version != ControlRequest.CurrentVersion)
        {
            return ControlResponse.Failure($"control protocol version {request.Version} is not supported (this node speaks {ControlRequest.CurrentVersion})");
        }

        return await _handler(request, cancellationToken);
    }

    private static async Task<string?> ReadLineAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxRequestBytes];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                break;
            }

            var newline = Array.IndexOf(buffer, (byte)'\n', length, read);
            length += read;
            if (newline >= 0)
            {
                return Encoding.UTF8.GetString(buffer, 0, newline);
            }
        }

        return length == 0 || length == buffer.Length ? null : Encoding.UTF8.GetString(buffer, 0, length);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "control connection failed: {Reason}")]
    private partial void LogConnectionFailed(string reason);
}
