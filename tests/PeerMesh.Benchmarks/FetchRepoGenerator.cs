using System.Diagnostics;
using System.Text;

namespace PeerMesh.Benchmarks;

/// <summary>
/// Generates a repository of a given shape with <c>git fast-import</c>: an initial commit with every file, then
/// commits that each rewrite a few files with fresh random content (so the pack really carries that many bytes).
/// </summary>
internal static class FetchRepoGenerator
{
    private const int FilesPerCommit = 3;

    public static void Generate(string directory, int commits, int files, int bytesPerFile, int seed = 7)
    {
        Directory.CreateDirectory(directory);
        Run(directory, null, "init", "-q", "-b", "main");
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("fast-import");
        start.ArgumentList.Add("--quiet");
        start.ArgumentList.Add("--done");
        Isolate(start);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("git fast-import did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var random = new Random(seed);
        using (var input = new BufferedStream(process.StandardInput.BaseStream, 1 << 20))
        {
            var time = 1_700_000_000L;
            for (var c = 0; c < commits; c++)
            {
                var header = new StringBuilder()
                    .Append("commit refs/heads/main\n")
                    .Append("mark :").Append(c + 1).Append('\n')
                    .Append("committer Bench <bench@example.invalid> ").Append(time + c).Append(" +0000\n");
                var message = $"commit {c}\n";
                header.Append("data ").Append(Encoding.UTF8.GetByteCount(message)).Append('\n').Append(message);
                if (c > 0)
                {
                    header.Append("from :").Append(c).Append('\n');
                }

                Write(input, header.ToString());
                if (c == 0)
                {
                    for (var f = 0; f < files; f++)
                    {
                        WriteFile(input, f, bytesPerFile, random);
                    }
                }
                else
                {
                    for (var j = 0; j < FilesPerCommit; j++)
                    {
                        WriteFile(input, (int)(((long)c * 7919 + j * 104729) % files), bytesPerFile, random);
                    }
                }

                Write(input, "\n");
            }

            Write(input, "done\n");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("git fast-import failed: " + stderr.GetAwaiter().GetResult());
        }

        _ = stdout.GetAwaiter().GetResult();
        Run(directory, null, "repack", "-a", "-d", "-q");
    }

    public static string Run(string directory, int? timeoutSeconds, params string[] args)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Isolate(start);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("git did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds ?? 600)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"git {string.Join(' ', args)} timed out");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', args)} failed: {stderr.GetAwaiter().GetResult()}");
        }

        return stdout.GetAwaiter().GetResult().Trim();
    }

    public static void Isolate(ProcessStartInfo start)
    {
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        start.Environment["GIT_AUTHOR_NAME"] = "Bench";
        start.Environment["GIT_AUTHOR_EMAIL"] = "bench@example.invalid";
        start.Environment["GIT_COMMITTER_NAME"] = "Bench";
        start.Environment["GIT_COMMITTER_EMAIL"] = "bench@example.invalid";
    }

    private static void WriteFile(Stream input, int index, int bytes, Random random)
    {
        // Base64 of random bytes: text like source code to git, but incompressible beyond base64's own overhead.
        var raw = new byte[Math.Max(1, bytes * 3 / 4)];
        random.NextBytes(raw);
        var content = Convert.ToBase64String(raw, Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
        var path = $"src/d{index % 50:D2}/file{index:D5}.txt";
        Write(input, $"M 100644 inline {path}\ndata {Encoding.ASCII.GetByteCount(content)}\n{content}\n");
    }

    private static void Write(Stream input, string text) => input.Write(Encoding.UTF8.GetBytes(text));
}
