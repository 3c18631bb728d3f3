namespace PeerMesh.TestSupport;

/// <summary>
/// The one way tests wait on the real clock for a state nothing signals (a peer over real UDP, a process's status,
/// a file): check, then check again every <see cref="DefaultInterval"/> (or the interval given) until it holds or
/// the deadline passes. Where the code under test signals a known point (a scheduler event, a status change, a
/// membership version), wait for that instead; on a fake clock, never poll.
/// </summary>
public static class Poll
{
    /// <summary>Short enough that a poll adds little to what it waits for; conditions that start a process pass more.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Returns how long it took; at the deadline throws a <see cref="TimeoutException"/> naming <paramref name="what"/>
    /// and, when given, <paramref name="describe"/>'s picture of the state at that moment. Cancelled by the token.
    /// </summary>
    public static Task<TimeSpan> UntilAsync(
        string what,
        Func<bool> condition,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        TimeSpan? interval = null,
        Func<string>? describe = null) =>
        UntilAsync(what, _ => Task.FromResult(condition()), timeout, cancellationToken, interval, describe);

    /// <inheritdoc cref="UntilAsync(string, Func{bool}, TimeSpan, CancellationToken, TimeSpan?, Func{string}?)"/>
    public static async Task<TimeSpan> UntilAsync(
        string what,
        Func<CancellationToken, Task<bool>> condition,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        TimeSpan? interval = null,
        Func<string>? describe = null)
    {
        if (await TryUntilAsync(condition, timeout, cancellationToken, interval) is { } took)
        {
            return took;
        }

        var message = $"Not reached within {timeout.TotalSeconds:0.###} s: {what}";
        throw new TimeoutException(describe is null ? message : message + "\n" + describe());
    }

    /// <summary>As <see cref="UntilAsync(string, Func{bool}, TimeSpan, CancellationToken, TimeSpan?, Func{string}?)"/>, but null at the deadline (for a test that reports it its own way, or a benchmark).</summary>
    public static Task<TimeSpan?> TryUntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken, TimeSpan? interval = null) =>
        TryUntilAsync(_ => Task.FromResult(condition()), timeout, cancellationToken, interval);

    /// <inheritdoc cref="TryUntilAsync(Func{bool}, TimeSpan, CancellationToken, TimeSpan?)"/>
    public static async Task<TimeSpan?> TryUntilAsync(
        Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, CancellationToken cancellationToken, TimeSpan? interval = null)
    {
        var time = TimeProvider.System;
        var start = time.GetTimestamp();
        while (true)
        {
            if (await condition(cancellationToken))
            {
                return time.GetElapsedTime(start);
            }

            if (time.GetElapsedTime(start) >= timeout)
            {
                return null;
            }

            await Task.Delay(interval ?? DefaultInterval, time, cancellationToken);
        }
    }
}
