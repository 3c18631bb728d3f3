using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PeerMesh.Benchmarks;

/// <summary>A stock <c>git daemon</c> on 127.0.0.1 for the fetch benchmark; killed on dispose.</summary>
internal sealed class FetchDaemon : IAsyncDisposable
{
    private readonly Process _process;

    private FetchDaemon(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<FetchDaemon> StartAsync(string basePath, CancellationToken cancellationToken)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo("git") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "daemon", "--reuseaddr", "--export-all", "--base-path=" + basePath, "--listen=127.0.0.1", "--port=" + port, basePath })
        {
            start.ArgumentList.Add(arg);
        }

        FetchRepoGenerator.Isolate(start);
        var process = Process.Start(start) ?? throw new InvalidOperationException("git daemon did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var daemon = new FetchDaemon(process, port);
        for (var i = 0; ; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return daemon;
            }
            catch (SocketException) when (i < 500 && !process.HasExited)
            {
                await Task.Delay(20, cancellationToken);
            }
            catch
            {
                await daemon.DisposeAsync();
                throw;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
