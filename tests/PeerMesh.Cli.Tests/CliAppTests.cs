using PeerMesh.TestSupport.Git;
using Xunit;

namespace PeerMesh.Cli.Tests;

public sealed class CliAppTests
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("up", "--bogus")]
    [InlineData("up", "--git-port", "abc")]
    [InlineData("frobnicate")]
    public async Task RunAsync_BadArguments_OneLineErrorAndExit2(params string[] args)
    {
        var (code, _, err) = await RunAsync(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("peermesh: ", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("peermesh: invalid --git-port 'abc': expected a whole number (see 'peermesh --help')", "up", "--git-port", "abc")]
    [InlineData("peermesh: invalid --fetch-interval '1.5': expected a whole number (see 'peermesh --help')", "up", "--fetch-interval", "1.5")]
    [InlineData("peermesh: unrecognized command or argument 'frobnicate' (see 'peermesh --help')", "frobnicate")]
    [InlineData("peermesh: required argument missing for command: 'forget' (see 'peermesh --help')", "forget")]
    [InlineData("peermesh: unknown option '--bogus' (see 'peermesh --help')", "up", "--bogus")]
    public async Task RunAsync_ParserError_InOurWordsNoTypeNames(string expected, params string[] args)
    {
        var (_, _, err) = await RunAsync(args);

        Assert.Equal(expected, err.TrimEnd('\n'));
    }

    [Fact]
    public async Task RunAsync_UpOutsideARepository_Exit2WithOneLine()
    {
        var dir = Directory.CreateTempSubdirectory("peermesh-cli-");
        try
        {
            var (code, _, err) = await RunAsync("up", dir.FullName);

            Assert.Equal(ExitCodes.Usage, code);
            Assert.Equal($"peermesh: {dir.FullName} is not inside a git repository\n", err);
        }
        finally
        {
            dir.Delete();
        }
    }

    [Theory]
    [InlineData("status")]
    [InlineData("down")]
    public async Task RunAsync_NoNodeRunning_Exit3(string command)
    {
        using var repo = TempRepository.Create();
        var home = Path.Combine(repo.Root, "home");

        var (code, _, err) = await RunAsync(command, repo.Path, "--home", home);

        Assert.Equal(ExitCodes.NoNode, code);
        Assert.Equal($"peermesh: no node is running for the home {home}\n", err);
    }

    [Theory]
    [InlineData("up")]
    [InlineData("status")]
    [InlineData("down")]
    [InlineData("log")]
    [InlineData("doctor")]
    [InlineData("fetch")]
    [InlineData("forget")]
    [InlineData("completion")]
    public async Task RunAsync_HelpOfEveryCommand_HasAnExample(string command)
    {
        var (code, output, _) = await RunAsync(command, "--help");

        Assert.Equal(0, code);
        Assert.Contains("Example", output, StringComparison.Ordinal);
        Assert.Contains($"peermesh {command}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CompletionBash_PrintsAScriptThatAsksPeermeshForSuggestions()
    {
        var (code, output, _) = await RunAsync("completion", "bash");

        Assert.Equal(0, code);
        Assert.Contains("[suggest:${COMP_POINT}]", output, StringComparison.Ordinal);
        Assert.Contains("complete -o default -F _peermesh_complete peermesh", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SuggestDirective_CompletesCommandNames()
    {
        var (code, output, _) = await RunAsync("[suggest:11]", "peermesh st");

        Assert.Equal(0, code);
        Assert.Equal("status", output.Trim());
    }
}
