using System.Diagnostics;

namespace PeerMesh.TestSupport.Git;

/// <summary>Runs the stock git command line in tests, with a fixed identity and no user config.</summary>
public static class GitCli
{
    public static string Run(string workingDirectory, params string[] args)
    {
        var (code, stdout, stderr) = TryRun(workingDirectory, args);
        return code == 0 ? stdout : throw new InvalidOperationException($"git {string.Join(' ', args)} failed ({code}): {stderr.Trim()}");
    }

    public static (int ExitCode, string Stdout, string Stderr) TryRun(string workingDirectory, params string[] args) =>
        TryRun(workingDirectory, input: null, environment: null, args);

    /// <summary>Runs git with <paramref name="input"/> on stdin and extra environment variables (e.g. fixed dates).</summary>
    public static (int ExitCode, string Stdout, string Stderr) TryRun(string workingDirectory, string? input, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["GIT_AUTHOR_NAME"] = "Test Author";
        info.Environment["GIT_AUTHOR_EMAIL"] = "author@example.invalid";
        info.Environment["GIT_COMMITTER_NAME"] = "Test Author";
        info.Environment["GIT_COMMITTER_EMAIL"] = "author@example.invalid";
        info.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        if (input is not null)
        {
            process.StandardInput.Write(input);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"git {string.Join(' ', args)} did not finish in 120 s");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
