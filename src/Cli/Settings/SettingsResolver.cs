using System.Globalization;
using System.Net;
using PeerMesh.Sync.LocalRepo;
using PeerMesh.Sync.Trust;

namespace PeerMesh.Cli.Settings;

/// <summary>
/// Merges the command line with <c>git config peermesh.*</c>: a flag wins over config, config over the
/// default. Seeds add up (flags and config both count). Invalid values are one-line usage errors.
/// </summary>
internal static class SettingsResolver
{
    public static NodeSettings Resolve(CommandLineSettings flags, PeerMeshConfig config, string defaultName)
    {
        var name = flags.Name ?? config.Get("name") ?? defaultName;
        if (string.IsNullOrWhiteSpace(name) || name.Length > 64 || name.Any(char.IsControl))
        {
            throw Usage($"invalid node name '{Printable(name)}': use 1 to 64 printable characters");
        }

        var listenText = flags.Listen ?? config.Get("listen");
        IPAddress? listen = null;
        if (listenText is not null && !IPAddress.TryParse(listenText, out listen))
        {
            throw Usage($"invalid listen address '{Printable(listenText)}': expected an IP address such as 127.0.0.1 or ::");
        }

        var gitPort = flags.GitPort ?? Port(config.Get("gitPort"), "peermesh.gitPort") ?? 9418;
        var gossipPort = flags.GossipPort ?? Port(config.Get("gossipPort"), "peermesh.gossipPort") ?? 9419;
        CheckPort(gitPort, "--git-port");
        CheckPort(gossipPort, "--gossip-port");

        var mdns = !flags.NoMdns && (config.Get("mdns") is not { } m || ParseBool(m, "peermesh.mdns"));
        var interval = flags.FetchIntervalSeconds ?? Integer(config.Get("fetchInterval"), "peermesh.fetchInterval") ?? 60;
        if (interval is < 1 or > 86_400)
        {
            throw Usage($"invalid fetch interval {interval}: use 1 to 86400 seconds");
        }

        var trust = Trust(config);

        return new NodeSettings
        {
            Name = name.Trim(),
            Listen = listen,
            GitPort = gitPort,
            GossipPort = gossipPort,
            Peers = [.. flags.Peers, .. config.GetAll("peer")],
            MeshKeyFiles = flags.MeshKeyFiles.Count > 0 ? flags.MeshKeyFiles : config.GetAll("meshKeyFile"),
            Mdns = mdns,
            FetchInterval = TimeSpan.FromSeconds(interval),
            Trust = trust,
        };
    }

    /// <summary>
    /// <c>peermesh.trust</c> of <paramref name="config"/>: a repository's own (the running node reads it again for each
    /// repository, in its Sync); checked here so that a typo is a usage error.
    /// </summary>
    public static TrustList Trust(PeerMeshConfig config) =>
        TrustList.TryParse(config.GetAll("trust"), out var trust, out var trustError) ? trust : throw Usage(trustError!);

    private static int? Port(string? text, string key)
    {
        var value = Integer(text, key);
        if (value is not null)
        {
            CheckPort(value.Value, key);
        }

        return value;
    }

    private static int? Integer(string? text, string key) =>
        text is null ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw Usage($"invalid {key} '{Printable(text)}': expected a number");

    private static void CheckPort(int port, string what)
    {
        if (port is < 0 or > 65535)
        {
            throw Usage($"invalid {what} {port}: use 0 to 65535 (0 = any free port)");
        }
    }

    // git's boolean spellings.
    private static bool ParseBool(string text, string key) => text.ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "1" => true,
        "false" or "no" or "off" or "0" or "" => false,
        _ => throw Usage($"invalid {key} '{Printable(text)}': expected true or false"),
    };

    private static string Printable(string text) =>
        new(text.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private static CliException Usage(string message) => new(message, ExitCodes.Usage);
}
