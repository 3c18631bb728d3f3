using System.Text;

namespace PeerMesh.Discovery.Dns;

/// <summary>
/// A domain name as a list of labels. Labels are kept as given (DNS-SD instance labels may contain
/// dots and spaces); comparison is ASCII case-insensitive as DNS requires.
/// </summary>
internal sealed class DnsName : IEquatable<DnsName>
{
    public const int MaxLabelBytes = 63;

    /// <summary>Wire length limit including the length octets and the root label.</summary>
    public const int MaxWireLength = 255;

    private readonly string[] _labels;

    private DnsName(string[] labels)
    {
        _labels = labels;
    }

    public static DnsName Root { get; } = new([]);

    public IReadOnlyList<string> Labels => _labels;

    /// <summary>Builds a name from labels; throws when a label or the whole name is over the DNS limits.</summary>
    public static DnsName FromLabels(params IEnumerable<string> labels)
    {
        var array = labels.ToArray();
        if (!TryValidate(array, out var error))
        {
            throw new ArgumentException(error, nameof(labels));
        }

        return new DnsName(array);
    }

    /// <summary>Parses a dotted name; "\." and "\\" escape a dot or a backslash inside a label.</summary>
    public static DnsName Parse(string dotted)
    {
        var labels = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < dotted.Length; i++)
        {
            var c = dotted[i];
            if (c == '\\' && i + 1 < dotted.Length)
            {
                current.Append(dotted[++i]);
            }
            else if (c == '.')
            {
                if (current.Length > 0)
                {
                    labels.Add(current.ToString());
                    current.Clear();
                }
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0)
        {
            labels.Add(current.ToString());
        }

        return FromLabels(labels);
    }

    internal static DnsName FromValidatedLabels(string[] labels) => new(labels);

    internal static bool TryValidate(string[] labels, out string error)
    {
        var wire = 1;
        foreach (var label in labels)
        {
            var bytes = Encoding.UTF8.GetByteCount(label);
            if (bytes == 0)
            {
                error = "empty label";
                return false;
            }

            if (bytes > MaxLabelBytes)
            {
                error = "label longer than 63 bytes";
                return false;
            }

            wire += 1 + bytes;
        }

        if (wire > MaxWireLength)
        {
            error = "name longer than 255 bytes";
            return false;
        }

        error = "";
        return true;
    }

    /// <summary>A new name with <paramref name="label"/> in front of this one.</summary>
    public DnsName Prepend(string label) => FromLabels([label, .. _labels]);

    /// <summary>This name without its first <paramref name="count"/> labels.</summary>
    public DnsName Skip(int count) => new(_labels[count..]);

    public bool IsSubdomainOf(DnsName parent)
    {
        if (parent._labels.Length > _labels.Length)
        {
            return false;
        }

        var offset = _labels.Length - parent._labels.Length;
        for (var i = 0; i < parent._labels.Length; i++)
        {
            if (!LabelEquals(_labels[offset + i], parent._labels[i]))
            {
                return false;
            }
        }

        return true;
    }

    public static bool LabelEquals(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    public bool Equals(DnsName? other)
    {
        if (other is null || other._labels.Length != _labels.Length)
        {
            return false;
        }

        for (var i = 0; i < _labels.Length; i++)
        {
            if (!LabelEquals(_labels[i], other._labels[i]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as DnsName);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var label in _labels)
        {
            hash.Add(label, StringComparer.OrdinalIgnoreCase);
        }

        return hash.ToHashCode();
    }

    /// <summary>Dotted form with dots and backslashes inside labels escaped; "." for the root.</summary>
    public override string ToString()
    {
        if (_labels.Length == 0)
        {
            return ".";
        }

        var sb = new StringBuilder();
        foreach (var label in _labels)
        {
            if (sb.Length > 0)
            {
                sb.Append('.');
            }

            foreach (var c in label)
            {
                if (c is '.' or '\\')
                {
                    sb.Append('\\');
                }

                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>The lower-cased escaped form, used as a dictionary key for compression.</summary>
    internal string ToKey() => ToString().ToLowerInvariant();
}
