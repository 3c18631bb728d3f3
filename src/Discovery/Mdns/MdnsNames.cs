using System.Text;
using PeerMesh.Discovery.Dns;

namespace PeerMesh.Discovery.Mdns;

/// <summary>The DNS-SD names PeerMesh uses, and how instance and host labels are made and renamed.</summary>
internal static class MdnsNames
{
    public static DnsName PeerMeshService { get; } = DnsName.Parse("_peermesh._udp.local");

    public static DnsName GitService { get; } = DnsName.Parse("_git._tcp.local");

    /// <summary>RFC 6763 9: service type enumeration, so `avahi-browse -a` lists our types.</summary>
    public static DnsName ServiceTypes { get; } = DnsName.Parse("_services._dns-sd._udp.local");

    public static DnsName Local { get; } = DnsName.Parse("local");

    /// <summary>
    /// The host label: derived from the node id, not the machine's host name, so it never collides with
    /// the host name avahi or mDNSResponder already owns. A conflict (only possible by design error or
    /// a copied identity) appends "-2", "-3", ... .
    /// </summary>
    public static string HostLabel(string nodeId, int attempt)
    {
        var sb = new StringBuilder("pm-");
        foreach (var c in nodeId)
        {
            if (sb.Length >= 15)
            {
                break;
            }

            if (char.IsAsciiLetterOrDigit(c))
            {
                sb.Append(char.ToLowerInvariant(c));
            }
        }

        if (attempt > 1)
        {
            sb.Append('-').Append(attempt);
        }

        return sb.ToString();
    }

    /// <summary>
    /// The instance label: the display name, truncated to fit 63 bytes, with " (n)" appended after
    /// the n-th conflict (RFC 6762 9, as Bonjour does). Control characters become spaces.
    /// </summary>
    public static string InstanceLabel(string baseName, int attempt)
    {
        var clean = new string(baseName.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        if (clean.Length == 0)
        {
            clean = "peermesh";
        }

        var suffix = attempt > 1 ? $" ({attempt})" : "";
        return TruncateUtf8(clean, DnsName.MaxLabelBytes - suffix.Length) + suffix;
    }

    public static string TruncateUtf8(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var sb = new StringBuilder();
        var bytes = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }

            sb.Append(rune.ToString());
            bytes += rune.Utf8SequenceLength;
        }

        return sb.ToString();
    }
}
