using System.Diagnostics;
using System.Text.Json.Nodes;

namespace PeerMesh.TestSupport.Processes;

/// <summary>
/// Runs the real <c>peermesh</c> executable (the Cli project's output, copied beside the test assembly)
/// as a separate process.
/// </summary>
public static class PeerMeshCli
{
    public static string DllPath
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "peermesh.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("peermesh.dll is not beside the test assembly; reference the Cli project", path);
        }
    }

    /// <summary>
    /// The node home tests use for a repository unless they name one: <c>REPO/.git/peermesh</c>, so that each
    /// repository's node is a node of its own (tests run many on one host), found again from the repository (also
    /// after it moved), and deleted with it. People's nodes use one home for all their repositories.
    /// </summary>
    public static string HomeFor(string repoPath) => Path.Combine(Path.GetFullPath(repoPath), ".git", "peermesh");

    /// <summary>
    /// Starts <c>peermesh ARGS</c>, optionally behind a prefix such as <c>ip netns exec NS</c>, for the node home
    /// <paramref name="home"/> (default: <see cref="HomeFor"/> the working directory).
    /// </summary>
    public static ProcessStartInfo StartInfo(string workingDirectory, IEnumerable<string> args, IEnumerable<string>? prefix = null, string? home = null)
    {
        var all = (prefix ?? []).Concat(["dotnet", DllPath]).Concat(args).ToList();
        var info = new ProcessStartInfo(all[0])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in all.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["PEERMESH_HOME"] = home ?? HomeFor(workingDirectory);
        return info;
    }

    /// <summary>Runs a short command (status, down, ...) to completion.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string workingDirectory, IEnumerable<string> args, CancellationToken cancellationToken, IEnumerable<string>? prefix = null, string? home = null)
    {
        using var process = Process.Start(StartInfo(workingDirectory, args, prefix, home))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary><c>status --json</c>, or null while no node answers.</summary>
    public static async Task<JsonNode?> StatusAsync(string workingDirectory, CancellationToken cancellationToken, IEnumerable<string>? prefix = null, string? home = null)
    {
        var (code, stdout, _) = await RunAsync(workingDirectory, ["status", "--json"], cancellationToken, prefix, home);
        return code == 0 ? JsonNode.Parse(stdout) : null;
    }
}
