using System.Text.RegularExpressions;

namespace PeerMesh.TestSupport.Netns;

/// <summary>
/// The real `peermesh`: peermesh.dll next to the running test or benchmark assembly (both reference the Cli
/// project), run as `dotnet peermesh.dll ...`.
/// </summary>
public static class PeerMeshExecutable
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "peermesh.dll");

    /// <summary>The dotnet host: the one running us when the SDK says so, else the one on PATH.</summary>
    public static string DotnetPath
    {
        get
        {
            var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : CommandRunner.FindTool("dotnet");
        }
    }

    /// <summary>argv for `peermesh ARGS...`.</summary>
    public static IReadOnlyList<string> Command(params string[] args) => [DotnetPath, DllPath, .. args];

    /// <summary>
    /// Null when the executable looks usable for the scenarios (it exists and its help names up, status and down);
    /// otherwise what is missing, for a clear failure.
    /// </summary>
    public static Task<string?> GetUnsupportedReasonAsync(CancellationToken cancellationToken) =>
        File.Exists(DllPath)
            ? GetUnsupportedReasonAsync(Command(), cancellationToken)
            : Task.FromResult<string?>($"{DllPath} does not exist (the Cli project is not built next to this assembly)");

    /// <summary>As above for any argv prefix that runs peermesh.</summary>
    public static async Task<string?> GetUnsupportedReasonAsync(IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var help = await CommandRunner.RunAsync(command[0], [.. command.Skip(1), "--help"], null, null, TimeSpan.FromSeconds(60), cancellationToken);
        var text = help.Stdout + help.Stderr;

        // A command is listed when a help line starts with it (System.CommandLine's "Commands:" section).
        var missing = new[] { "up", "status", "down" }
            .Where(c => !Regex.IsMatch(text, $@"(?m)^\s+{c}(\s|$)"))
            .ToList();
        return missing.Count == 0
            ? null
            : $"`peermesh --help` (exit {help.ExitCode}) does not list the command(s) {string.Join(", ", missing)}: the executable does not support the CLI contract yet";
    }
}
