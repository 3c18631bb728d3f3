using Microsoft.Extensions.Logging;

namespace PeerMesh.Fuzz;

/// <summary>
/// The receive paths catch everything so that one datagram cannot end a receive loop, and log what they
/// caught. For fuzzing, a logged exception is the finding: rethrown so AFL sees a crash.
/// </summary>
internal sealed class ThrowingLogger<T> : ILogger<T>
{
    public static ThrowingLogger<T> Instance { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (exception is not null)
        {
            throw new FuzzFindingException($"{typeof(T).Name} caught and logged: {formatter(state, exception)}", exception);
        }
    }
}
