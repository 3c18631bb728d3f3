using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PeerMesh.Cli.Status;

/// <summary>Builds <c>git://</c> URLs for what this node serves.</summary>
internal static class GitUrl
{
    /// <summary>Host = the listen address when one is given, else this machine's host name.</summary>
    public static string ForLocal(IPAddress? listen, int port, string path)
    {
        var host = listen is null || listen.Equals(IPAddress.Any) || listen.Equals(IPAddress.IPv6Any)
            ? Dns.GetHostName()
            : listen.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{listen}]" : listen.ToString();
        return $"git://{host}:{port.ToString(CultureInfo.InvariantCulture)}{path}";
    }
}
