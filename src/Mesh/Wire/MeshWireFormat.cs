using System.Buffers;
using MessagePack;

namespace PeerMesh.Mesh.Wire;

/// <summary>
/// The gossip payload in MessagePack, written and read by hand. The bytes are exactly those of MessagePack-CSharp's
/// generated formatters for the <c>[MessagePackObject]</c>/<c>[Key]</c>/<c>[Union]</c> declarations on the message
/// classes, which stay the specification (a test compares the two on random messages):
/// <list type="bullet">
/// <item>an object is an array indexed by key, nil where a reference is null; a reader skips keys it does not know
/// and leaves the ones it is not sent at their defaults;</item>
/// <item>a <see cref="MeshMessage"/> is the union array [case, object].</item>
/// </list>
/// Why by hand: MessagePack-CSharp's standard resolver builds formatters with Reflection.Emit at run time and its
/// options start OpenSSL for a hash seed. That costs every node about 8 MiB of RSS for nine small classes, does not
/// run under Native AOT, and hides the decode path from the fuzzer. Reading throws on malformed input; the codec
/// turns that into a drop.
/// </summary>
internal static class MeshWireFormat
{
    private const int Ping = 0;
    private const int Ack = 1;
    private const int PingReq = 2;
    private const int Gossip = 3;
    private const int PushPull = 4;
    private const int RepoRequest = 5;
    private const int RepoList = 6;

    /// <summary>How deep an unknown value may nest (a later version's field); deeper is malformed.</summary>
    private const int MaxSkipDepth = 8;

    public static byte[] Serialize(MeshMessage message) => Write(message, WriteMessage);

    public static byte[] Serialize(MemberUpdate update) => Write(update, WriteUpdate);

    /// <summary>Reads one message from the start of <paramref name="payload"/>; <paramref name="read"/> is the bytes it took.</summary>
    public static MeshMessage? Deserialize(ReadOnlyMemory<byte> payload, out int read)
    {
        var reader = new MessagePackReader(payload);
        var message = ReadMessage(ref reader);
        read = (int)reader.Consumed;
        return message;
    }

    private delegate void Writer<in T>(ref MessagePackWriter writer, T value);

    private static byte[] Write<T>(T value, Writer<T> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new MessagePackWriter(buffer);
        write(ref writer, value);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteMessage(ref MessagePackWriter writer, MeshMessage message)
    {
        writer.WriteArrayHeader(2);
        switch (message)
        {
            case PingMessage m:
                writer.Write(Ping);
                writer.WriteArrayHeader(4);
                WriteUpdates(ref writer, m.Updates);
                writer.Write(m.Seq);
                WriteString(ref writer, m.TargetId);
                WriteBytes(ref writer, m.Nonce);
                break;
            case AckMessage m:
                writer.Write(Ack);
                writer.WriteArrayHeader(5);
                WriteUpdates(ref writer, m.Updates);
                writer.Write(m.Seq);
                WriteBytes(ref writer, m.Proof);
                WriteBytes(ref writer, m.SeenAddress);
                writer.Write(m.SeenPort);
                break;
            case PingReqMessage m:
                writer.Write(PingReq);
                writer.WriteArrayHeader(5);
                WriteUpdates(ref writer, m.Updates);
                writer.Write(m.Seq);
                WriteString(ref writer, m.TargetId);
                WriteBytes(ref writer, m.TargetAddress);
                writer.Write(m.TargetPort);
                break;
            case GossipMessage m:
                writer.Write(Gossip);
                writer.WriteArrayHeader(1);
                WriteUpdates(ref writer, m.Updates);
                break;
            case PushPullMessage m:
                writer.Write(PushPull);
                writer.WriteArrayHeader(6);
                WriteUpdates(ref writer, m.Updates);
                writer.Write(m.ExchangeId);
                writer.Write(m.IsReply);
                writer.Write(m.Part);
                writer.Write(m.PartCount);
                WriteUpdates(ref writer, m.States);
                break;
            case RepoRequestMessage m:
                writer.Write(RepoRequest);
                writer.WriteArrayHeader(1);
                WriteUpdates(ref writer, m.Updates);
                break;
            case RepoListMessage m:
                writer.Write(RepoList);
                writer.WriteArrayHeader(2);
                WriteUpdates(ref writer, m.Updates);
                WriteUpdates(ref writer, m.Statements);
                break;
            default:
                throw new ArgumentException($"not a gossip message: {message.GetType().Name}", nameof(message));
        }
    }

    private static void WriteUpdates(ref MessagePackWriter writer, MemberUpdate[]? updates)
    {
        if (updates is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(updates.Length);
        foreach (var update in updates)
        {
            WriteUpdate(ref writer, update);
        }
    }

    private static void WriteUpdate(ref MessagePackWriter writer, MemberUpdate? update)
    {
        if (update is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(15);
        writer.Write((byte)update.Kind);
        WriteString(ref writer, update.NodeId);
        writer.Write(update.Incarnation);
        WriteString(ref writer, update.From);
        WriteString(ref writer, update.Name);
        WriteBytes(ref writer, update.Address);
        writer.Write(update.Port);
        writer.Write(update.GitPort);
        WriteRepos(ref writer, update.Repos);
        WriteBytes(ref writer, update.PublicKey);
        WriteBytes(ref writer, update.Signature);
        WriteBytes(ref writer, update.ObservedAddress);
        writer.Write(update.RepoSetVersion);
        writer.Write(update.RepoCount);
        WriteBytes(ref writer, update.RepoSetDigest);
    }

    private static void WriteRepos(ref MessagePackWriter writer, WireRepo[]? repos)
    {
        if (repos is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(repos.Length);
        foreach (var repo in repos)
        {
            if (repo is null)
            {
                writer.WriteNil();
                continue;
            }

            writer.WriteArrayHeader(5);
            WriteString(ref writer, repo.RepoId);
            WriteString(ref writer, repo.Name);
            WriteString(ref writer, repo.Path);
            WriteString(ref writer, repo.RefsDigest);
            writer.Write(repo.RefsVersion);
        }
    }

    private static void WriteString(ref MessagePackWriter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteNil();
        }
        else
        {
            writer.Write(value);
        }
    }

    private static void WriteBytes(ref MessagePackWriter writer, byte[]? value)
    {
        if (value is null)
        {
            writer.WriteNil();
        }
        else
        {
            writer.Write(value);
        }
    }

    private static MeshMessage? ReadMessage(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        if (reader.ReadArrayHeader() != 2)
        {
            throw new MessagePackSerializationException("a union is an array of two");
        }

        var kind = reader.ReadInt32();
        if (reader.TryReadNil())
        {
            return null;
        }

        MeshMessage message = kind switch
        {
            Ping => new PingMessage(),
            Ack => new AckMessage(),
            PingReq => new PingReqMessage(),
            Gossip => new GossipMessage(),
            PushPull => new PushPullMessage(),
            RepoRequest => new RepoRequestMessage(),
            RepoList => new RepoListMessage(),
            _ => throw new MessagePackSerializationException($"unknown message kind {kind}"),
        };

        var count = reader.ReadArrayHeader();
        for (var key = 0; key < count; key++)
        {
            if (key == 0)
            {
                message.Updates = ReadUpdates(ref reader);
            }
            else if (!ReadField(ref reader, message, key))
            {
                Skip(ref reader, 0);
            }
        }

        return message;
    }

    /// <summary>Reads key <paramref name="key"/> of a message into it; false for a key the message does not have.</summary>
    private static bool ReadField(ref MessagePackReader reader, MeshMessage message, int key)
    {
        switch (message, key)
        {
            case (PingMessage m, 1): m.Seq = reader.ReadInt64(); break;
            case (PingMessage m, 2): m.TargetId = reader.ReadString()!; break;
            case (PingMessage m, 3): m.Nonce = ReadBytes(ref reader); break;
            case (AckMessage m, 1): m.Seq = reader.ReadInt64(); break;
            case (AckMessage m, 2): m.Proof = ReadBytes(ref reader); break;
            case (AckMessage m, 3): m.SeenAddress = ReadBytes(ref reader); break;
            case (AckMessage m, 4): m.SeenPort = reader.ReadInt32(); break;
            case (PingReqMessage m, 1): m.Seq = reader.ReadInt64(); break;
            case (PingReqMessage m, 2): m.TargetId = reader.ReadString()!; break;
            case (PingReqMessage m, 3): m.TargetAddress = ReadBytes(ref reader)!; break;
            case (PingReqMessage m, 4): m.TargetPort = reader.ReadInt32(); break;
            case (PushPullMessage m, 1): m.ExchangeId = reader.ReadInt64(); break;
            case (PushPullMessage m, 2): m.IsReply = reader.ReadBoolean(); break;
            case (PushPullMessage m, 3): m.Part = reader.ReadInt32(); break;
            case (PushPullMessage m, 4): m.PartCount = reader.ReadInt32(); break;
            case (PushPullMessage m, 5): m.States = ReadUpdates(ref reader); break;
            case (RepoListMessage m, 1): m.Statements = ReadUpdates(ref reader); break;
            default: return false;
        }

        return true;
    }

    private static MemberUpdate[]? ReadUpdates(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        var updates = new MemberUpdate[reader.ReadArrayHeader()];
        for (var i = 0; i < updates.Length; i++)
        {
            updates[i] = ReadUpdate(ref reader)!;
        }

        return updates;
    }

    private static MemberUpdate? ReadUpdate(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        var update = new MemberUpdate();
        var count = reader.ReadArrayHeader();
        for (var key = 0; key < count; key++)
        {
            switch (key)
            {
                case 0: update.Kind = (UpdateKind)reader.ReadByte(); break;
                case 1: update.NodeId = reader.ReadString()!; break;
                case 2: update.Incarnation = reader.ReadInt64(); break;
                case 3: update.From = reader.ReadString(); break;
                case 4: update.Name = reader.ReadString(); break;
                case 5: update.Address = ReadBytes(ref reader); break;
                case 6: update.Port = reader.ReadInt32(); break;
                case 7: update.GitPort = reader.ReadInt32(); break;
                case 8: update.Repos = ReadRepos(ref reader); break;
                case 9: update.PublicKey = ReadBytes(ref reader); break;
                case 10: update.Signature = ReadBytes(ref reader); break;
                case 11: update.ObservedAddress = ReadBytes(ref reader); break;
                case 12: update.RepoSetVersion = reader.ReadInt64(); break;
                case 13: update.RepoCount = reader.ReadInt32(); break;
                case 14: update.RepoSetDigest = ReadBytes(ref reader); break;
                default: Skip(ref reader, 0); break;
            }
        }

        return update;
    }

    private static WireRepo[]? ReadRepos(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        var repos = new WireRepo[reader.ReadArrayHeader()];
        for (var i = 0; i < repos.Length; i++)
        {
            if (reader.TryReadNil())
            {
                continue;
            }

            var repo = repos[i] = new WireRepo();
            var count = reader.ReadArrayHeader();
            for (var key = 0; key < count; key++)
            {
                switch (key)
                {
                    case 0: repo.RepoId = reader.ReadString()!; break;
                    case 1: repo.Name = reader.ReadString()!; break;
                    case 2: repo.Path = reader.ReadString()!; break;
                    case 3: repo.RefsDigest = reader.ReadString()!; break;
                    case 4: repo.RefsVersion = reader.ReadInt64(); break;
                    default: Skip(ref reader, 0); break;
                }
            }
        }

        return repos;
    }

    /// <summary>
    /// Skips a value of a key this version does not know, nested at most <see cref="MaxSkipDepth"/> deep: the library's
    /// own skip recurses without a bound, and a datagram of nested one-byte arrays would run the stack out.
    /// </summary>
    private static void Skip(ref MessagePackReader reader, int depth)
    {
        if (depth > MaxSkipDepth)
        {
            throw new MessagePackSerializationException("unknown value nested too deep");
        }

        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Array:
                for (var i = reader.ReadArrayHeader(); i > 0; i--)
                {
                    Skip(ref reader, depth + 1);
                }

                break;
            case MessagePackType.Map:
                for (var i = reader.ReadMapHeader(); i > 0; i--)
                {
                    Skip(ref reader, depth + 1);
                    Skip(ref reader, depth + 1);
                }

                break;
            default:
                reader.Skip();
                break;
        }
    }

    private static byte[]? ReadBytes(ref MessagePackReader reader) => reader.ReadBytes() is { } bytes ? bytes.ToArray() : null;
}
