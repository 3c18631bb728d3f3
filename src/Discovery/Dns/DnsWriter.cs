using System.Buffers.Binary;
using System.Text;

namespace PeerMesh.Discovery.Dns;

/// <summary>
/// Writes DNS wire format into a growing buffer, compressing names against suffixes already written
/// (RFC 1035 4.1.4). Supports rolling back to a mark so a message can be split at a record boundary.
/// </summary>
internal sealed class DnsWriter
{
    /// <summary>A compression pointer has 14 bits of offset.</summary>
    private const int MaxPointerOffset = 0x3FFF;

    private readonly bool _compress;
    private readonly bool _lowerCaseNames;
    private readonly Dictionary<string, int> _suffixOffsets = new(StringComparer.Ordinal);
    private byte[] _buffer = new byte[512];

    public DnsWriter(bool compress = true, bool lowerCaseNames = false)
    {
        _compress = compress;
        _lowerCaseNames = lowerCaseNames;
    }

    public int Position { get; private set; }

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[Position++] = value;
    }

    public void WriteUInt16(ushort value)
    {
        Ensure(2);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(Position), value);
        Position += 2;
    }

    public void WriteUInt32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(Position), value);
        Position += 4;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(Position));
        Position += bytes.Length;
    }

    public void PatchUInt16(int offset, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(offset), value);

    public void WriteName(DnsName name, bool allowCompression = true)
    {
        var labels = name.Labels;
        for (var i = 0; i < labels.Count; i++)
        {
            var key = _compress ? SuffixKey(labels, i) : null;
            if (key is not null && allowCompression && _suffixOffsets.TryGetValue(key, out var offset))
            {
                WriteUInt16((ushort)(0xC000 | offset));
                return;
            }

            if (key is not null && Position <= MaxPointerOffset)
            {
                _suffixOffsets.TryAdd(key, Position);
            }

            var label = _lowerCaseNames ? labels[i].ToLowerInvariant() : labels[i];
            var count = Encoding.UTF8.GetByteCount(label);
            Ensure(1 + count);
            _buffer[Position++] = (byte)count;
            Position += Encoding.UTF8.GetBytes(label, _buffer.AsSpan(Position));
        }

        WriteByte(0);
    }

    public void WriteHeader(ushort id, ushort flags, int questions, int answers, int authorities, int additionals)
    {
        WriteUInt16(id);
        WriteUInt16(flags);
        WriteUInt16((ushort)questions);
        WriteUInt16((ushort)answers);
        WriteUInt16((ushort)authorities);
        WriteUInt16((ushort)additionals);
    }

    public void WriteQuestion(DnsQuestion question)
    {
        WriteName(question.Name);
        WriteUInt16((ushort)question.Type);
        WriteUInt16((ushort)((question.Class & 0x7FFF) | (question.UnicastResponse ? 0x8000 : 0)));
    }

    public void WriteRecord(DnsRecord record)
    {
        WriteName(record.Name);
        WriteUInt16((ushort)record.Type);
        WriteUInt16((ushort)((record.Class & 0x7FFF) | (record.CacheFlush ? 0x8000 : 0)));
        WriteUInt32(record.Ttl);
        var lengthAt = Position;
        WriteUInt16(0);
        record.Data.Write(this);
        PatchUInt16(lengthAt, (ushort)(Position - lengthAt - 2));
    }

    /// <summary>Forgets everything written from <paramref name="position"/> on, including compression targets there.</summary>
    public void Rollback(int position)
    {
        foreach (var key in _suffixOffsets.Where(kv => kv.Value >= position).Select(kv => kv.Key).ToList())
        {
            _suffixOffsets.Remove(key);
        }

        Position = position;
    }

    public byte[] ToArray() => _buffer.AsSpan(0, Position).ToArray();

    private static string SuffixKey(IReadOnlyList<string> labels, int start)
    {
        var sb = new StringBuilder();
        for (var i = start; i < labels.Count; i++)
        {
            // Escape so that a dot inside a label never collides with a label boundary.
            sb.Append(labels[i].Replace("\\", "\\\\", StringComparison.Ordinal).Replace(".", "\\.", StringComparison.Ordinal).ToLowerInvariant());
            sb.Append('.');
        }

        return sb.ToString();
    }

    private void Ensure(int count)
    {
        if (Position + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Position + count));
        }
    }
}
