using System.Text.Json;
using PeerMesh.Cli.Control;
using PeerMesh.Cli.Status;
using Spectre.Console;

namespace PeerMesh.Cli.Commands;

/// <summary><c>peermesh status</c>: the node's view, as a table for people or JSON for scripts.</summary>
internal static class StatusCommand
{
    public static async Task<int> RunAsync(string path, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        var repo = RepositoryCommand.Open(path);
        var response = await RepositoryCommand.SendAsync(repo, "status", cancellationToken);
        if (json)
        {
            await output.WriteLineAsync(response.Body?.ToJsonString(ControlJson.Indented));
            return ExitCodes.Ok;
        }

        var status = response.Body.Deserialize<StatusDocument>(ControlJson.Options)
            ?? throw new CliException("the node sent an empty status", ExitCodes.Failure);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            // Colours only on a terminal.
            Ansi = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        StatusText.Render(status, TimeProvider.System.GetUtcNow(), console);
        return ExitCodes.Ok;
    }
}
