using System.Collections.Immutable;

namespace PeerMesh.Mesh.Membership;

/// <summary>
/// The membership table: an immutable dictionary swapped atomically, a version that grows with every
/// membership change, snapshots built lazily (so a thousand updates do not build a thousand arrays), and
/// waiters for the next version. Writers are serialized by the owner (the mesh node's lock); readers
/// (<see cref="Current"/>, <see cref="WaitForChangeAsync"/>) may come from any thread.
/// <see cref="Member.LastSeen"/> is refreshed without a new version, so readers are not woken per packet.
/// </summary>
internal sealed class MembershipTable : IMembershipView
{
    private readonly Lock _waitersLock = new();
    private readonly List<(long After, TaskCompletionSource<MembershipSnapshot> Completion)> _waiters = [];
    private volatile TableState _state = new(ImmutableDictionary<string, MemberEntry>.Empty.WithComparers(StringComparer.Ordinal), 0);
    private volatile CachedSnapshot? _cache;
    private int _liveCount;
    private int _aliveCount;

    public int Count => _state.Entries.Count;

    /// <summary>Members alive or suspect (the local node not included).</summary>
    public int LiveCount => Volatile.Read(ref _liveCount);

    /// <summary>Members in state alive (not suspect).</summary>
    public int AliveCount => Volatile.Read(ref _aliveCount);

    public long Version => _state.Version;

    public IEnumerable<MemberEntry> Entries => _state.Entries.Values;

    public MembershipSnapshot Current
    {
        get
        {
            var state = _state;
            var cache = _cache;
            if (cache is not null && ReferenceEquals(cache.Source, state))
            {
                return cache.Snapshot;
            }

            var members = state.Entries.Values
                .Select(e => e.Member)
                .OrderBy(m => m.Id, StringComparer.Ordinal)
                .ToImmutableArray();
            var snapshot = new MembershipSnapshot(state.Version, members);
            _cache = new CachedSnapshot(state, snapshot);
            return snapshot;
        }
    }

    public MemberEntry? Get(string id) => _state.Entries.GetValueOrDefault(id);

    /// <summary>Adds or replaces an entry and publishes a new version.</summary>
    public void Set(MemberEntry entry)
    {
        var state = _state;
        var old = state.Entries.GetValueOrDefault(entry.Id);
        _liveCount += (entry.Member.IsLive ? 1 : 0) - (old?.Member.IsLive == true ? 1 : 0);
        _aliveCount += (entry.Member.State == MemberState.Alive ? 1 : 0) - (old?.Member.State == MemberState.Alive ? 1 : 0);
        _state = new TableState(state.Entries.SetItem(entry.Id, entry), state.Version + 1);
        WakeWaiters();
    }

    /// <summary>Replaces an entry without a new version (last-seen refresh).</summary>
    public void Touch(MemberEntry entry)
    {
        var state = _state;
        _state = new TableState(state.Entries.SetItem(entry.Id, entry), state.Version);
    }

    public void Remove(string id)
    {
        var state = _state;
        if (state.Entries.TryGetValue(id, out var old))
        {
            _liveCount -= old.Member.IsLive ? 1 : 0;
            _aliveCount -= old.Member.State == MemberState.Alive ? 1 : 0;
            _state = new TableState(state.Entries.Remove(id), state.Version + 1);
            WakeWaiters();
        }
    }

    public ValueTask<MembershipSnapshot> WaitForChangeAsync(long afterVersion, CancellationToken cancellationToken)
    {
        var current = Current;
        if (current.Version > afterVersion)
        {
            return ValueTask.FromResult(current);
        }

        var completion = new TaskCompletionSource<MembershipSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waitersLock)
        {
            _waiters.Add((afterVersion, completion));
        }

        // Re-check: a change may have landed between the first look and registering.
        current = Current;
        if (current.Version > afterVersion)
        {
            Complete(completion, current);
            return ValueTask.FromResult(current);
        }

        return new ValueTask<MembershipSnapshot>(WaitAsync(completion, cancellationToken));
    }

    private async Task<MembershipSnapshot> WaitAsync(TaskCompletionSource<MembershipSnapshot> completion, CancellationToken cancellationToken)
    {
        try
        {
            return await completion.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            lock (_waitersLock)
            {
                _waiters.RemoveAll(w => ReferenceEquals(w.Completion, completion));
            }
        }
    }

    private void Complete(TaskCompletionSource<MembershipSnapshot> completion, MembershipSnapshot snapshot)
    {
        lock (_waitersLock)
        {
            _waiters.RemoveAll(w => ReferenceEquals(w.Completion, completion));
        }

        completion.TrySetResult(snapshot);
    }

    private void WakeWaiters()
    {
        List<TaskCompletionSource<MembershipSnapshot>>? due = null;
        var version = _state.Version;
        lock (_waitersLock)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].After < version)
                {
                    (due ??= []).Add(_waiters[i].Completion);
                    _waiters.RemoveAt(i);
                }
            }
        }

        if (due is not null)
        {
            var snapshot = Current;
            foreach (var completion in due)
            {
                completion.TrySetResult(snapshot);
            }
        }
    }

    private sealed record TableState(ImmutableDictionary<string, MemberEntry> Entries, long Version);

    private sealed record CachedSnapshot(TableState Source, MembershipSnapshot Snapshot);
}
