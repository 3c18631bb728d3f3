using System.Net;
using System.Net.Sockets;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Sync.Remotes;

/// <summary>
/// Builds the only kind of URL a managed remote ever has: <c>git://ADDRESS:PORT/PATH</c> from the address the peer
/// was seen at, its daemon port and a path that passed <see cref="RepoPath.IsValid"/> (HOSTILE-INPUTS 14, 16).
/// Nothing the peer says as text (name, host name) goes into it.
/// </summary>
internal static class RemoteUrl
{
    public const string Scheme = "git://";

    /// <summary>The URL, or null when the address, port or path is not usable.</summary>
    public static string? TryBuild(IPAddress? address, int port, string? path)
    {
        if (address is null || port is < 1 or > 65535 || !RepoPath.IsValid(path))
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        string host;
        switch (address.AddressFamily)
        {
            case AddressFamily.InterNetwork:
                var bytes = address.GetAddressBytes();
                if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.Broadcast) || bytes[0] >= 224)
                {
                    return null; // unspecified, broadcast, multicast or reserved
                }

                host = address.ToString();
                break;
            case AddressFamily.InterNetworkV6:
                if (address.Equals(IPAddress.IPv6Any) || address.IsIPv6Multicast)
                {
                    return null;
                }

                // The zone of a link-local address has no portable spelling in a git URL; the bare address is used.
                host = "[" + new IPAddress(address.GetAddressBytes()).ToString() + "]";
                break;
            default:
                return null;
        }

        return Scheme + host + ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture) + path;
    }

    /// <summary>True when <paramref name="url"/> is a URL this class could have built (checked before every fetch).</summary>
    public static bool IsManagedShape(string? url) =>
        url is not null
        && url.StartsWith(Scheme, StringComparison.Ordinal)
        && url.IndexOfAny(['\0', '\n', '\r', ' ', '\t', '\\', '@']) < 0;

    /// <summary>Splits a URL of the managed shape back into the peer's endpoint and the daemon path.</summary>
    public static bool TryParse(string? url, out IPEndPoint? endPoint, out string? path)
    {
        endPoint = null;
        path = null;
        if (!IsManagedShape(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "git" || uri.Port is < 1 or > 65535)
        {
            return false;
        }

        var host = uri.Host.TrimStart('[').TrimEnd(']');
        if (!IPAddress.TryParse(host, out var address) || !RepoPath.IsValid(uri.AbsolutePath))
        {
            return false;
        }

        // Only a URL exactly as TryBuild spells it: Uri normalises "/../x" and "%2e", which we never produce.
        if (TryBuild(address, uri.Port, uri.AbsolutePath) != url)
        {
            return false;
        }

        endPoint = new IPEndPoint(address, uri.Port);
        path = uri.AbsolutePath;
        return true;
    }
}
