using System.Diagnostics;
using PeerMesh.Sync.Serving;
using Xunit;

namespace PeerMesh.Sync.Tests.Serving;

/// <summary>
/// <see cref="PackHook"/> run as git runs it, in a folder that is not a repository, so git fails in it: the hook fails
/// closed. What it refuses and serves through a real daemon is in <see cref="ServedRefsTests"/>.
/// </summary>
public sealed class PackHookTests : IDisposable
{
    private const string Request = "1111111111111111111111111111111111111111\n--not\n2222222222222222222222222222222222222222\n";

    private readonly string _folder = Directory.CreateTempSubdirectory("peermesh-pack-hook-").FullName;

    [Theory]
    [InlineData(null)]
    [InlineData("version=0")]
    [InlineData("version=2")]
    public async Task Script_GitCannotListWhatIsServed_NoPack(string? protocol)
    {
        // Outside a repository git can neither list what is served nor look up a want: no pack, whatever was asked.
        var (code, stdout, stderr) = await RunHookAsync(protocol);

        Assert.NotEqual(0, code);
        Assert.Equal("", stdout);
        Assert.Contains("peermesh: cannot list what is served", stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// The hook as upload-pack runs it (<c>sh -c 'COMMAND "$@"'</c>), with a stand-in for pack-objects that prints its
    /// input and then its arguments.
    /// </summary>
    private async Task<(int Code, string Stdout, string Stderr)> RunHookAsync(string? protocol)
    {
        var info = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = _folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-c", PackHook.Command + " \"$@\"", "upload-pack-hook", "/bin/sh", "-c", "cat; echo \"$*\"", "pack-objects", "--revs", "--include-tag", "--stdout" })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment[PackHook.ScriptVariable] = PackHook.Script;
        info.Environment["GIT_CEILING_DIRECTORIES"] = Path.GetDirectoryName(_folder)!;
        info.Environment.Remove("GIT_DIR");
        if (protocol is null)
        {
            info.Environment.Remove("GIT_PROTOCOL");
        }
        else
        {
            info.Environment["GIT_PROTOCOL"] = protocol;
        }

        using var process = Process.Start(info)!;
        var token = TestContext.Current.CancellationToken;
        var stdout = process.StandardOutput.ReadToEndAsync(token);
        var stderr = process.StandardError.ReadToEndAsync(token);
        await process.StandardInput.WriteAsync(Request);
        process.StandardInput.Close();
        await process.WaitForExitAsync(token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
