namespace PeerMesh.Sync.Tests.Support;

/// <summary>Counts a callback's calls and lets a test await the n-th (a known point) instead of sleeping.</summary>
internal sealed class Occurrences
{
    private static readonly TimeSpan s_hangGuard = TimeSpan.FromMinutes(2);

    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waits = [];
    private int _count;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    public void Hit()
    {
        List<TaskCompletionSource> done;
        lock (_gate)
        {
            _count++;
            done = [.. _waits.Where(w => w.Count <= _count).Select(w => w.Done)];
            _waits.RemoveAll(w => w.Count <= _count);
        }

        foreach (var tcs in done)
        {
            tcs.TrySetResult();
        }
    }

    /// <summary>Completes at the <paramref name="count"/>-th call; the deadline only turns a hang into a failure.</summary>
    public async Task WaitAsync(int count, CancellationToken cancellationToken)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_count >= count)
            {
                return;
            }

            _waits.Add((count, seen));
        }

        try
        {
            await seen.Task.WaitAsync(s_hangGuard, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"only {Count} of {count} calls");
        }
    }
}
