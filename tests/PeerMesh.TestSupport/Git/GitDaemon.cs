using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PeerMesh.TestSupport.Git;

/// <summary>A real <c>git daemon</c> on 127.0.0.1 serving everything under a base path; killed on dispose.</summary>
public sealed class GitDaemon : IAsyncDisposable
{
    private readonly Process _process;

    private GitDaemon(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<GitDaemon> StartAsync(string basePath, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "daemon", "--reuseaddr", "--export-all", "--base-path=" + basePath, "--listen=127.0.0.1",
                     "--port=" + port, basePath,
                 })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        var process = Process.Start(start) ?? throw new InvalidOperationException("git daemon did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var daemon = new GitDaemon(process, port);
        try
        {
            await Poll.UntilAsync($"git daemon accepts connections on port {port}", ConnectsAsync, TimeSpan.FromSeconds(10), cancellationToken);
            return daemon;
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }

        async Task<bool> ConnectsAsync(CancellationToken ct)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"git daemon exited with {process.ExitCode} before accepting connections");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, ct);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
