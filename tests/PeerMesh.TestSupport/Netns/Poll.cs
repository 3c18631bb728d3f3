namespace PeerMesh.TestSupport.Netns;

/// <summary>Polls a condition until it holds or a deadline passes (real-I/O tests wait for a state, never sleep a guess).</summary>
public static class Poll
{
    /// <summary>Returns how long it took; throws <see cref="TimeoutException"/> with <paramref name="describe"/>'s text at the deadline.</summary>
    public static async Task<TimeSpan> UntilAsync(
        Func<CancellationToken, Task<bool>> condition,
        TimeSpan timeout,
        TimeSpan interval,
        Func<string> describe,
        CancellationToken cancellationToken)
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
                throw new TimeoutException($"Not reached within {timeout.TotalSeconds:0.#} s: {describe()}");
            }

            await Task.Delay(interval, time, cancellationToken);
        }
    }
}
