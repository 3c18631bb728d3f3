using System.Globalization;
using Microsoft.Extensions.Logging;

namespace PeerMesh.Cli.Logging;

/// <summary>
/// One readable line per event on stderr: "12:04:05 warn  serving down: ...". No category names or
/// event ids: these lines are for the person at the terminal, the JSON status is for scripts.
/// </summary>
internal static class LineFormatter
{
    /// <summary>The line for an event, with its line end; null for an event with nothing to say.</summary>
    public static string? Format(LogLevel level, string? message, Exception? exception, DateTimeOffset localNow)
    {
        if (string.IsNullOrEmpty(message) && exception is null)
        {
            return null;
        }

        var name = level switch
        {
            LogLevel.Trace => "trace",
            LogLevel.Debug => "debug",
            LogLevel.Information => "info ",
            LogLevel.Warning => "warn ",
            LogLevel.Error => "error",
            _ => "crit ",
        };
        var line = new System.Text.StringBuilder();
        line.Append(localNow.ToString("HH:mm:ss", CultureInfo.InvariantCulture)).Append(' ').Append(name).Append(' ');
        line.Append((message ?? "").ReplaceLineEndings(" "));
        if (exception is not null && level >= LogLevel.Error)
        {
            line.Append(" (").Append(exception.GetType().Name).Append(": ").Append(exception.Message.ReplaceLineEndings(" ")).Append(')');
        }

        return line.AppendLine().ToString();
    }
}
