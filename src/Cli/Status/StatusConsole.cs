using Spectre.Console;

namespace PeerMesh.Cli.Status;

/// <summary>
/// Where <c>status</c> draws its table: colours only on a terminal, a fixed width when piped. Made only for the table,
/// so that <c>status --json</c> never loads Spectre.Console.
/// </summary>
internal sealed class StatusConsole
{
    private readonly IAnsiConsole _console;
    private readonly bool _terminal;

    public StatusConsole(TextWriter output)
    {
        _terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = _terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = _terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        if (!_terminal)
        {
            // Piped or redirected: no terminal to fit, so use a width the table reads well at.
            _console.Profile.Width = 120;
        }
    }

    /// <summary>Draws <paramref name="status"/>; with <paramref name="redraw"/>, on a cleared terminal (<c>--watch</c>).</summary>
    public void Show(StatusDocument status, DateTimeOffset now, bool redraw)
    {
        if (redraw && _terminal)
        {
            _console.Clear(home: true);
        }

        StatusText.Render(status, now, _console);
    }
}
