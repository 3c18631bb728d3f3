using PeerMesh.Sync.Fetching;

namespace PeerMesh.Sync.Tests.Support;

/// <summary>
/// Records the fetch scheduler's known points (pass <see cref="Record"/> as its observer) and lets a test await the
/// n-th point that matches, whether it came before or after the wait was armed: tests wait for points, never for
/// time. The deadline only turns a hang into a failure that lists what did happen.
/// </summary>
internal sealed class SchedulerEvents
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromMinutes(2);

    private readonly Lock _gate = new();
    private readonly List<FetchSchedulerEvent> _events = [];
    private readonly List<Wait> _waits = [];

    /// <summary>Every point so far, in order.</summary>
    public IReadOnlyList<FetchSchedulerEvent> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public void Record(FetchSchedulerEvent e)
    {
        var done = new List<(TaskCompletionSource<FetchSchedulerEvent> Done, FetchSchedulerEvent Event)>();
        lock (_gate)
        {
            _events.Add(e);
            var index = _events.Count - 1;
            foreach (var wait in _waits.ToList())
            {
                if (index > wait.After && wait.Match(e) && ++wait.Seen >= wait.Occurrence)
                {
                    _waits.Remove(wait);
                    done.Add((wait.Done, e));
                }
            }
        }

        foreach (var (tcs, value) in done)
        {
            tcs.TrySetResult(value);
        }
    }

    public int Count(FetchSchedulerEventKind kind, string? remote = null, Func<FetchSchedulerEvent, bool>? where = null)
    {
        lock (_gate)
        {
            return _events.Count(Matcher(kind, remote, where));
        }
    }

    /// <summary>The points of a kind (and remote) so far.</summary>
    public IReadOnlyList<FetchSchedulerEvent> Of(FetchSchedulerEventKind kind, string? remote = null)
    {
        lock (_gate)
        {
            return [.. _events.Where(Matcher(kind, remote, null))];
        }
    }

    /// <summary>Why each fetch of <paramref name="remote"/> was asked for, in order (new worker or coalesced).</summary>
    public IReadOnlyList<FetchTrigger> TriggersOf(string remote)
    {
        lock (_gate)
        {
            return [.. _events
                .Where(e => e.Remote == remote && e.Kind is FetchSchedulerEventKind.Triggered or FetchSchedulerEventKind.Coalesced)
                .Select(e => e.Trigger)];
        }
    }

    /// <summary>
    /// Completes with the <paramref name="occurrence"/>-th point of <paramref name="kind"/> (for <paramref name="remote"/>,
    /// matching <paramref name="where"/>), counting only points recorded after <paramref name="after"/> when given.
    /// </summary>
    public async Task<FetchSchedulerEvent> WaitAsync(
        FetchSchedulerEventKind kind,
        string? remote = null,
        int occurrence = 1,
        Func<FetchSchedulerEvent, bool>? where = null,
        FetchSchedulerEvent? after = null)
    {
        var match = Matcher(kind, remote, where);
        Task<FetchSchedulerEvent> task;
        lock (_gate)
        {
            var afterIndex = after is null ? -1 : _events.FindIndex(e => ReferenceEquals(e, after));
            var seen = _events.Skip(afterIndex + 1).Where(match).ToList();
            if (seen.Count >= occurrence)
            {
                return seen[occurrence - 1];
            }

            var wait = new Wait(match, occurrence, afterIndex) { Seen = seen.Count };
            _waits.Add(wait);
            task = wait.Done.Task;
        }

        try
        {
            return await task.WaitAsync(s_deadline, Xunit.TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"never happened: {kind} #{occurrence}{(remote is null ? string.Empty : " of " + remote)}; points so far:\n" + string.Join('\n', All.Select(Describe)));
        }
    }

    /// <summary>The n-th completed fetch of a remote.</summary>
    public async Task<FetchReport> FetchedAsync(string remote, int occurrence = 1) =>
        (await WaitAsync(FetchSchedulerEventKind.FetchCompleted, remote, occurrence)).Report!;

    private static Func<FetchSchedulerEvent, bool> Matcher(FetchSchedulerEventKind kind, string? remote, Func<FetchSchedulerEvent, bool>? where) =>
        e => e.Kind == kind && (remote is null || e.Remote == remote) && (where is null || where(e));

    private static string Describe(FetchSchedulerEvent e) =>
        $"  {e.At:HH:mm:ss.fff} {e.Kind} {e.Remote} {(e.Trigger == FetchTrigger.None ? string.Empty : e.Trigger.ToString())}"
        + $"{(e.Version != 0 ? " v" + e.Version : string.Empty)}{(e.Due is { } due ? $" due {due:HH:mm:ss.fff}" : string.Empty)}"
        + $"{(e.Report is { } r ? $" ok={r.Ok} {r.Error}" : string.Empty)}{(e.Ok ? " ok" : string.Empty)}";

    private sealed class Wait(Func<FetchSchedulerEvent, bool> match, int occurrence, int after)
    {
        public Func<FetchSchedulerEvent, bool> Match { get; } = match;

        public int Occurrence { get; } = occurrence;

        public int After { get; } = after;

        public int Seen { get; set; }

        public TaskCompletionSource<FetchSchedulerEvent> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
