using System.Text.Json;
using PeerMesh.Cli.Control;
using PeerMesh.Cli.Home;
using PeerMesh.Cli.Node;
using PeerMesh.Cli.Status;
using Spectre.Console;

namespace PeerMesh.Cli.Commands;

/// <summary>
/// <c>peermesh status [PATH]</c>: the node's view, as a table for people or JSON for scripts: of the repository at PATH
/// (or the one the current folder is in, when the node serves it), else, and with <c>--all</c>, of every one served.
/// </summary>
internal static class StatusCommand
{
    public static async Task<int> RunAsync(NodeHome home, string? path, bool all, bool json, bool watch, TextWriter output, CancellationToken cancellationToken)
    {
        // PATH must be served; the current folder's repository is shown only if it is (else everything is).
        var repo = all ? null
            : path is not null ? NodeRepository.Open(path).WorkingDirectory
            : NodeRepository.IsInsideRepository(".") ? NodeRepository.Open(".").WorkingDirectory
            : null;
        if (repo is not null && path is null && !await IsServedAsync(home, repo, cancellationToken))
        {
            repo = null;
        }

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
            var response = await NodeClient.SendAsync(home, "status", cancellationToken, null, repo);
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

    private static async Task<bool> IsServedAsync(NodeHome home, string repo, CancellationToken cancellationToken)
    {
        try
        {
            await NodeClient.SendAsync(home, "status", cancellationToken, null, repo);
            return true;
        }
        catch (CliException e) when (e.ExitCode == ExitCodes.Usage)
        {
            return false;
        }
    }
}
