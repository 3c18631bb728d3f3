using System.Text;

namespace PeerMesh.Discovery.Dns;

/// <summary>TXT rdata: character strings of at most 255 bytes each. DNS-SD puts key=value pairs in them (RFC 6763 6).</summary>
internal sealed class TxtRecordData : DnsRecordData
{
    public const int MaxStringBytes = 255;

    public TxtRecordData(IReadOnlyList<byte[]> strings)
    {
        foreach (var s in strings)
        {
            if (s.Length > MaxStringBytes)
            {
                throw new ArgumentException("TXT string longer than 255 bytes", nameof(strings));
            }
        }

        Strings = strings;
    }

    public IReadOnlyList<byte[]> Strings { get; }

    /// <summary>Builds DNS-SD key=value strings.</summary>
    public static TxtRecordData FromPairs(params IEnumerable<KeyValuePair<string, string>> pairs) =>
        new(pairs.Select(p => Encoding.UTF8.GetBytes($"{p.Key}={p.Value}")).ToList());

    /// <summary>
    /// DNS-SD reading rules (RFC 6763 6.4): keys are case-insensitive, the first occurrence wins,
    /// strings without '=' are boolean keys with an empty value, empty keys are ignored.
    /// </summary>
    public IReadOnlyDictionary<string, string> ToDictionary()
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var s in Strings)
        {
            var text = Encoding.UTF8.GetString(s);
            var eq = text.IndexOf('=');
            var key = eq < 0 ? text : text[..eq];
            var value = eq < 0 ? "" : text[(eq + 1)..];
            if (key.Length > 0)
            {
                result.TryAdd(key, value);
            }
        }

        return result;
    }

    internal override void Write(DnsWriter writer)
    {
        if (Strings.Count == 0)
        {
            // RFC 6763 6.1: an empty TXT record holds one empty string.
            writer.WriteByte(0);
            return;
        }

        foreach (var s in Strings)
        {
            writer.WriteByte((byte)s.Length);
            writer.WriteBytes(s);
        }
    }

    public override string ToString() => string.Join(" ", Strings.Select(s => '"' + Encoding.UTF8.GetString(s) + '"'));
}
