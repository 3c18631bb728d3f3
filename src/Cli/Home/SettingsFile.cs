using System.Globalization;
using System.Net;
using System.Text.Json;
using PeerMesh.Cli.Control;
using PeerMesh.Cli.Settings;

namespace PeerMesh.Cli.Home;

/// <summary>
/// <c>HOME/settings.json</c>: the node-level settings a node was started with (as asked: port 0 stays 0), written at
/// start. A later <c>up</c> that names a node-level flag with another value is refused, naming the flag: the running
/// node cannot change its ports, seeds or keys under its peers.
/// </summary>
internal static class SettingsFile
{
    public static void Write(NodeHome home, NodeSettings settings) =>
        AtomicFile.Write(home.SettingsPath, JsonSerializer.Serialize(Saved.From(settings), ControlJson.Indented) + "\n");

    /// <summary>The first flag given on the command line whose value differs from the running node's, with that value; else null.</summary>
    public static (string Flag, string Running)? Conflict(NodeHome home, CommandLineSettings flags, IPEndPoint? web, bool webGiven)
    {
        Saved? saved;
        try
        {
            saved = JsonSerializer.Deserialize<Saved>(File.ReadAllText(home.SettingsPath), ControlJson.Options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }

        if (saved is null)
        {
            return null;
        }

        if (flags.Name is { } name && name.Trim() != saved.Name)
        {
            return ("--name", saved.Name);
        }

        if (flags.Listen is { } listen && (IPAddress.TryParse(listen, out var address) ? address.ToString() : listen) != saved.Listen)
        {
            return ("--listen", saved.Listen ?? "all interfaces");
        }

        if (flags.GitPort is { } gitPort && gitPort != saved.GitPort)
        {
            return ("--git-port", Text(saved.GitPort));
        }

        if (flags.GossipPort is { } gossipPort && gossipPort != saved.GossipPort)
        {
            return ("--gossip-port", Text(saved.GossipPort));
        }

        if (flags.Peers.Any(p => !saved.Peers.Contains(p, StringComparer.Ordinal)))
        {
            return ("--peer", saved.Peers.Count == 0 ? "none" : string.Join(' ', saved.Peers));
        }

        if (flags.MeshKeyFiles.Count > 0 && !flags.MeshKeyFiles.Select(Path.GetFullPath).SequenceEqual(saved.MeshKeyFiles, StringComparer.Ordinal))
        {
            return ("--mesh-key-file", saved.MeshKeyFiles.Count == 0 ? "none" : string.Join(' ', saved.MeshKeyFiles));
        }

        if (flags.NoMdns && saved.Mdns)
        {
            return ("--no-mdns", "mDNS on");
        }

        if (flags.FetchIntervalSeconds is { } interval && interval != saved.FetchIntervalSeconds)
        {
            return ("--fetch-interval", Text(saved.FetchIntervalSeconds));
        }

        if (webGiven && web?.ToString() != saved.Web)
        {
            return ("--web", saved.Web ?? "no dashboard");
        }

        return null;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    internal sealed record Saved(
        string Name,
        string? Listen,
        int GitPort,
        int GossipPort,
        IReadOnlyList<string> Peers,
        IReadOnlyList<string> MeshKeyFiles,
        bool Mdns,
        int FetchIntervalSeconds,
        string? Web)
    {
        public static Saved From(NodeSettings settings) => new(
            settings.Name,
            settings.Listen?.ToString(),
            settings.GitPort,
            settings.GossipPort,
            settings.Peers,
            [.. settings.MeshKeyFiles.Select(Path.GetFullPath)],
            settings.Mdns,
            (int)settings.FetchInterval.TotalSeconds,
            settings.Dashboard?.ToString());
    }
}
