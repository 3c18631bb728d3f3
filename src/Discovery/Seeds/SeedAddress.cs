using System.Globalization;
using System.Net;

namespace PeerMesh.Discovery.Seeds;

/// <summary>A static seed as given by the user: <c>HOST:PORT</c>, <c>1.2.3.4:PORT</c> or <c>[v6]:PORT</c>. The host is resolved at every try.</summary>
internal sealed record SeedAddress(string Host, int Port)
{
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    /// <summary>Parses a seed; the <see cref="FormatException"/> message is fit for the command line.</summary>
    public static SeedAddress Parse(string text, string optionName = "--peer")
    {
        if (TryParse(text, out var seed))
        {
            return seed;
        }

        throw new FormatException($"invalid {optionName} '{text}': expected HOST:PORT (e.g. alice.local:9419, 192.0.2.7:9419 or [2001:db8::7]:9419)");
    }

    public static bool TryParse(string? text, out SeedAddress seed)
    {
        seed = null!;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 300)
        {
            return false;
        }

        text = text.Trim();
        string host;
        string port;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                return false;
            }

            host = text[1..close];
            port = text[(close + 2)..];
            if (!IPAddress.TryParse(host, out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false;
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon <= 0 || text.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                // No port, or an unbracketed IPv6 address.
                return false;
            }

            host = text[..colon];
            port = text[(colon + 1)..];
            if (!IsHostName(host))
            {
                return false;
            }
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            return false;
        }

        seed = new SeedAddress(host, number);
        return true;
    }

    private static bool IsHostName(string host)
    {
        if (host.Length is 0 or > 253 || host[0] is '-' or '.')
        {
            return false;
        }

        foreach (var c in host)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
