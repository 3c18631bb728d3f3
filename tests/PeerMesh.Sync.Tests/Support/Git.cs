using System.Diagnostics;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>Runs the git command line with a fixed identity and dates, isolated from the machine's config.</summary>
internal static class Git
{
    public static string Run(string workingDirectory, params string[] args) => RunWithInput(workingDirectory, null, args);

    public static string RunWithInput(string workingDirectory, string? input, params string[] args)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        start.Environment["GIT_AUTHOR_NAME"] = "Test Author";
        start.Environment["GIT_AUTHOR_EMAIL"] = "author@example.invalid";
        start.Environment["GIT_COMMITTER_NAME"] = "Test Author";
        start.Environment["GIT_COMMITTER_EMAIL"] = "author@example.invalid";
        start.Environment["GIT_AUTHOR_DATE"] = "2024-01-01T00:00:00Z";
        start.Environment["GIT_COMMITTER_DATE"] = "2024-01-01T00:00:00Z";
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("git did not start");
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', args)} failed ({process.ExitCode}): {stderr}");
        }

        return stdout.GetAwaiter().GetResult().Trim();
    }
}
