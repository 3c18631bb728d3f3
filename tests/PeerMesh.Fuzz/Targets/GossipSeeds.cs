using System.Diagnostics.CodeAnalysis;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Security;
using PeerMesh.Mesh.Wire;

namespace PeerMesh.Fuzz.Targets;

/// <summary>The gossip targets' fixed parties and one valid message of every kind, with signed updates.</summary>
internal static class GossipSeeds
{
    public const string MeshId = "peermesh";
    public const int MaxDatagramBytes = 1400;

    public static readonly byte[] MeshKey = Encoding.ASCII.GetBytes("fuzz mesh key, at least sixteen bytes");

    private static readonly Lazy<NodeIdentity> s_sender = new(() => NodeIdentity.LoadOrCreate(FuzzState.Directory("sender")));
    private static readonly Lazy<NodeIdentity> s_receiver = new(() => NodeIdentity.LoadOrCreate(FuzzState.Directory("receiver")));
    private static readonly Lazy<NodeIdentity> s_third = new(() => NodeIdentity.LoadOrCreate(FuzzState.Directory("third")));

    public static NodeIdentity Sender => s_sender.Value;

    public static NodeIdentity Receiver => s_receiver.Value;

    public static FakeTimeProvider NewTime() => new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "A fuzzing process makes a few codecs and keeps them until it exits; the key ring goes with the process.")]
    public static MeshCodec Codec(string localId, TimeProvider time, bool sealedMesh, int maxDatagramBytes = MaxDatagramBytes) =>
        new(MeshId, localId, sealedMesh ? new MeshKeyRing([MeshKey], MeshId) : null, TimeSpan.FromSeconds(60), time, maxDatagramBytes);

    /// <summary>Serialized payloads (no envelope) of every message kind.</summary>
    public static IEnumerable<byte[]> Payloads()
    {
        var alive = new MemberUpdate
        {
            Kind = UpdateKind.Alive,
            NodeId = Sender.Id,
            Incarnation = 3,
            Name = "alice",
            Address = [10, 0, 0, 2],
            Port = 7946,
            GitPort = 9418,
            RepoSetVersion = 7,
            RepoCount = 2,
            RepoSetDigest = RepoSetSummary.Digest(["0123456789abcdef0123456789abcdef01234567", "shop"]),
        };
        UpdateSigning.Sign(alive, Sender);
        var repo = new MemberUpdate
        {
            Kind = UpdateKind.Repo,
            NodeId = Sender.Id,
            Incarnation = 4,
            RepoSetVersion = 7,
            Repos = [new WireRepo { RepoId = "0123456789abcdef0123456789abcdef01234567", Name = "project", Path = "/project", RefsDigest = "d1", RefsVersion = 2 }],
        };
        UpdateSigning.Sign(repo, Sender);
        var shop = new MemberUpdate
        {
            Kind = UpdateKind.Repo,
            NodeId = Sender.Id,
            Incarnation = 4,
            RepoSetVersion = 7,
            Repos = [new WireRepo { RepoId = "shop", Name = "shop", Path = "/shop-2", RefsDigest = "d2", RefsVersion = 3 }],
        };
        UpdateSigning.Sign(shop, Sender);
        var removed = new MemberUpdate { Kind = UpdateKind.RepoRemoved, NodeId = Sender.Id, Incarnation = 4, RepoSetVersion = 8, Repos = [new WireRepo { RepoId = "shop", RefsVersion = 3 }] };
        UpdateSigning.Sign(removed, Sender);

        // A third member and the sender's signed claims about it (HOSTILE 46): the receiver knows both once the
        // message with both alives is in, so the claims reach the merge; plus claims about the receiver itself
        // (a refutation) and one at the largest incarnation (a counted drop).
        var carol = alive.Clone();
        carol.NodeId = s_third.Value.Id;
        carol.Name = "carol";
        carol.Address = [10, 0, 0, 4];
        carol.RepoSetVersion = 0;
        carol.RepoCount = 0;
        carol.RepoSetDigest = null;
        UpdateSigning.Sign(carol, s_third.Value);
        var suspect = ClaimSigning.Create(UpdateKind.Suspect, carol.NodeId, 3, Sender);
        var dead = ClaimSigning.Create(UpdateKind.Dead, carol.NodeId, 3, Sender);
        var suspectReceiver = ClaimSigning.Create(UpdateKind.Suspect, Receiver.Id, NewTime().GetUtcNow().ToUnixTimeSeconds(), Sender);
        var absurd = ClaimSigning.Create(UpdateKind.Dead, Receiver.Id, long.MaxValue, Sender);

        // Bound to every address: no address advertised, so the receiver challenges where it came from.
        var unaddressed = alive.Clone();
        unaddressed.Address = [0, 0, 0, 0];
        UpdateSigning.Sign(unaddressed, Sender);
        var nonce = new byte[AddressProof.NonceSize];
        var proof = AddressProof.Answer(Sender, 5, nonce, Receiver.Id, new System.Net.IPEndPoint(System.Net.IPAddress.Parse("10.0.0.1"), 7946));

        MeshMessage[] messages =
        [
            new PingMessage { Seq = 1, TargetId = Receiver.Id },
            new PingMessage { Seq = 2, TargetId = Receiver.Id, Updates = [alive] },
            new AckMessage { Seq = 1, Updates = [repo] },
            new GossipMessage { Updates = [unaddressed] },
            new PingMessage { Seq = 4, TargetId = Receiver.Id, Nonce = nonce },
            proof,
            new GossipMessage { Updates = [alive, carol, suspect] },
            new PingReqMessage { Seq = 3, TargetId = carol.NodeId, TargetAddress = [10, 0, 0, 4], TargetPort = 7946, Updates = [suspect] },
            new GossipMessage { Updates = [alive, carol, dead] },
            new PingMessage { Seq = 6, TargetId = Receiver.Id, Updates = [suspectReceiver] },
            new GossipMessage { Updates = [absurd] },
            new PushPullMessage { ExchangeId = 9, IsReply = false, Part = 0, PartCount = 1, States = [alive, carol, suspect], Updates = [repo] },
            new PushPullMessage { ExchangeId = 9, IsReply = true, Part = 1, PartCount = 2, States = [dead] },
            new GossipMessage { Updates = [alive, repo, shop] },
            new GossipMessage { Updates = [alive, removed] },
            new RepoRequestMessage { Updates = [alive] },
            new RepoListMessage { Updates = [alive], Statements = [repo, shop] },
        ];
        return messages.Select(MeshCodec.SerializePayload);
    }

    /// <summary>Whole open-mesh datagrams from the sender.</summary>
    public static IEnumerable<byte[]> OpenDatagrams()
    {
        var codec = Codec(Sender.Id, NewTime(), sealedMesh: false);
        return Payloads().Select(p => codec.Seal(p));
    }
}
