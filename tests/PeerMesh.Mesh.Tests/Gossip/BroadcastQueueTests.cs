using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Wire;
using Xunit;

namespace PeerMesh.Mesh.Tests.Gossip;

public sealed class BroadcastQueueTests
{
    private static MemberUpdate Update(string id, long incarnation, UpdateKind kind = UpdateKind.Suspect) =>
        new() { Kind = kind, NodeId = id.PadLeft(32, '0'), Incarnation = incarnation };

    [Fact]
    public void Enqueue_NewerAboutSameMember_ReplacesOlder()
    {
        var queue = new BroadcastQueue();
        queue.Enqueue(Update("a", 1));
        queue.Enqueue(Update("a", 2, UpdateKind.Dead));

        var taken = queue.Take(1400, 3);

        Assert.Equal(UpdateKind.Dead, Assert.Single(taken).Kind);
    }

    [Fact]
    public void Take_RetransmitLimitReached_ItemDropped()
    {
        var queue = new BroadcastQueue();
        queue.Enqueue(Update("a", 1));

        Assert.Single(queue.Take(1400, 2));
        Assert.Single(queue.Take(1400, 2));
        Assert.Empty(queue.Take(1400, 2));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Take_LeastTransmittedFirst()
    {
        var queue = new BroadcastQueue();
        queue.Enqueue(Update("a", 1));
        Assert.Single(queue.Take(1400, 5));
        queue.Enqueue(Update("b", 1));

        var taken = queue.Take(MeshCodec.SizeOf(Update("b", 1)), 5);

        Assert.Equal(Update("b", 1).NodeId, Assert.Single(taken).NodeId);
    }

    [Fact]
    public void Take_BudgetTooSmall_TakesNothing()
    {
        var queue = new BroadcastQueue();
        queue.Enqueue(Update("a", 1));

        Assert.Empty(queue.Take(10, 5));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void Enqueue_OverCapacity_Bounded()
    {
        var queue = new BroadcastQueue(capacity: 3);
        for (var i = 0; i < 10; i++)
        {
            queue.Enqueue(Update(i.ToString(System.Globalization.CultureInfo.InvariantCulture), 1));
        }

        Assert.Equal(3, queue.Count);
    }
}
