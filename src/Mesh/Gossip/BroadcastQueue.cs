using PeerMesh.Mesh.Wire;

namespace PeerMesh.Mesh.Gossip;

/// <summary>
/// Updates waiting to be piggybacked (memberlist's TransmitLimitedQueue): a newer update about the same
/// member (or the same member's repository: its statement or its removal) replaces the queued one; the least transmitted, then newest, go first;
/// each is dropped after the retransmit limit. Bounded: past <see cref="Capacity"/> the most transmitted go.
/// Not thread-safe; owned by the mesh node's lock.
/// </summary>
internal sealed class BroadcastQueue(int capacity = 4096)
{
    private readonly Dictionary<string, Item> _byKey = new(StringComparer.Ordinal);
    private readonly SortedSet<Item> _order = new(ItemComparer.Instance);
    private long _counter;

    public int Capacity { get; } = capacity;

    public int Count => _byKey.Count;

    /// <summary>Called after each <see cref="Enqueue"/> (under the owner's lock): the owner's idle gossip timer starts again.</summary>
    public Action? Enqueued { get; set; }

    public void Enqueue(MemberUpdate update)
    {
        var key = (update.Kind is UpdateKind.Repo or UpdateKind.RepoRemoved) && update.Repos is [var repo] ? update.NodeId + "/" + repo.RepoId : update.NodeId;
        if (_byKey.Remove(key, out var old))
        {
            _order.Remove(old);
        }

        var item = new Item(key, update, CodecSize(update), 0, ++_counter);
        _byKey[key] = item;
        _order.Add(item);
        while (_byKey.Count > Capacity)
        {
            var worst = _order.Max!;
            _order.Remove(worst);
            _byKey.Remove(worst.Key);
        }

        Enqueued?.Invoke();
    }

    /// <summary>Takes updates whose encoded sizes fit <paramref name="budgetBytes"/>, counting a transmission for each.</summary>
    public List<MemberUpdate> Take(int budgetBytes, int transmitLimit, int maxItems = WireValidation.MaxUpdatesPerMessage)
    {
        var taken = new List<MemberUpdate>();
        if (_byKey.Count == 0)
        {
            return taken;
        }

        var chosen = new List<Item>();
        var remaining = budgetBytes;
        foreach (var item in _order)
        {
            if (chosen.Count >= maxItems || remaining < 16)
            {
                break;
            }

            if (item.Size <= remaining)
            {
                chosen.Add(item);
                remaining -= item.Size;
            }
        }

        foreach (var item in chosen)
        {
            _order.Remove(item);
            taken.Add(item.Update);
            var sent = item with { Transmits = item.Transmits + 1 };
            if (sent.Transmits >= transmitLimit)
            {
                _byKey.Remove(item.Key);
            }
            else
            {
                _byKey[item.Key] = sent;
                _order.Add(sent);
            }
        }

        return taken;
    }

    private static int CodecSize(MemberUpdate update) => MeshCodec.SizeOf(update);

    private sealed record Item(string Key, MemberUpdate Update, int Size, int Transmits, long Order);

    private sealed class ItemComparer : IComparer<Item>
    {
        public static ItemComparer Instance { get; } = new();

        public int Compare(Item? x, Item? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            var byTransmits = x!.Transmits.CompareTo(y!.Transmits);
            return byTransmits != 0 ? byTransmits : y.Order.CompareTo(x.Order);
        }
    }
}
