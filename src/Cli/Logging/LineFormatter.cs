using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace PeerMesh.Cli.Logging;

/// <summary>
/// One readable line per event on stderr: "12:04:05 warn  serving down: ...". No category names or
/// event ids: these lines are for the person at the terminal, the JSON status is for scripts.
/// </summary>
internal sealed class LineFormatter(TimeProvider time) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "peermesh";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        var level = logEntry.LogLevel switch
        {
            LogLevel.Trace => "trace",
            LogLevel.Debug => "debug",
            LogLevel.Information => "info ",
            LogLevel.Warning => "warn ",
            LogLevel.Error => "error",
            _ => "crit ",
        };
        textWriter.Write(time.GetLocalNow().ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(' ');
        textWriter.Write(level);
        textWriter.Write(' ');
        textWriter.Write(message.ReplaceLineEndings(" "));
        if (logEntry.Exception is { } e && logEntry.LogLevel >= LogLevel.Error)
        {
            textWriter.Write(" (");
            textWriter.Write(e.GetType().Name);
            textWriter.Write(": ");
            textWriter.Write(e.Message.ReplaceLineEndings(" "));
            textWriter.Write(')');
        }

        textWriter.WriteLine();
    }
}
