using System.Text.Json;
using PeerMesh.Cli.Control;
using PeerMesh.Cli.Status;
using Spectre.Console;

namespace PeerMesh.Cli.Commands;

/// <summary><c>peermesh status</c>: the node's view, as a table for people or JSON for scripts.</summary>
internal static class StatusCommand
{
    public static async Task<int> RunAsync(string path, bool json, bool watch, TextWriter output, CancellationToken cancellationToken)
    {
        var repo = RepositoryCommand.Open(path);
        var terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            // Colours only on a terminal.
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        if (!terminal)
        {
            // Piped or redirected: no terminal to fit, so use a width the table reads well at.
            console.Profile.Width = 120;
        }

        do
        {
            var response = await RepositoryCommand.SendAsync(repo, "status", cancellationToken);
            if (json)
            {
                await output.WriteLineAsync(response.Body?.ToJsonString(ControlJson.Indented));
            }
            else
            {
                var status = response.Body.Deserialize<StatusDocument>(ControlJson.Options)
                    ?? throw new CliException("the node sent an empty status", ExitCodes.Failure);
                if (watch && terminal)
                {
                    console.Clear(home: true);
                }

                StatusText.Render(status, TimeProvider.System.GetUtcNow(), console);
            }

            if (watch)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System, cancellationToken);
            }
        }
        while (watch && !cancellationToken.IsCancellationRequested);

        return ExitCodes.Ok;
    }
}
