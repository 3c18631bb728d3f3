using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PeerMesh.TestSupport.Logging;

/// <summary>
/// Keeps every formatted log line (level and message), for assertions on what a component tells the user; with
/// <see cref="RecordingLogger{T}(Action{LogLevel, string})"/> it also calls back on the thread that logs, so a test
/// can act at the moment a line is written (a known point).
/// </summary>
public sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly Action<LogLevel, string>? _onLine;

    public RecordingLogger()
    {
    }

    public RecordingLogger(Action<LogLevel, string> onLine)
    {
        _onLine = onLine;
    }

    /// <summary>Every line so far, in the order written.</summary>
    public ConcurrentQueue<(LogLevel Level, string Message)> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var message = formatter(state, exception);
        Lines.Enqueue((logLevel, message));
        _onLine?.Invoke(logLevel, message);
    }
}
