using Microsoft.Extensions.Logging;

namespace PeerMesh.Cli.Logging;

/// <summary>
/// The node's loggers: every event at or above one level, as a <see cref="LineFormatter"/> line on one writer (stderr).
/// In place of Microsoft.Extensions.Logging's factory with the console provider, which came with the configuration,
/// options and dependency-injection stacks and a queue thread: a dozen assemblies and their generic types in every
/// node, for one line per event. A line is written whole under a lock, so lines from several threads do not mix.
/// </summary>
internal sealed class LineLoggerFactory(LogLevel minimum, TextWriter writer, TimeProvider time) : ILoggerFactory
{
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName) => new LineLogger(this);

    /// <summary>Other providers are not supported: the node logs only to its one writer.</summary>
    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("the node logs to stderr only");

    public void Dispose()
    {
    }

    private bool IsEnabled(LogLevel level) => level != LogLevel.None && level >= minimum;

    private void Write(string line)
    {
        lock (_gate)
        {
            writer.Write(line);
            writer.Flush();
        }
    }

    private sealed class LineLogger(LineLoggerFactory factory) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => factory.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (factory.IsEnabled(logLevel) && LineFormatter.Format(logLevel, formatter(state, exception), exception, factory.LocalNow()) is { } line)
            {
                factory.Write(line);
            }
        }
    }

    private DateTimeOffset LocalNow() => time.GetLocalNow();
}
