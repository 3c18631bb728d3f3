using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PeerMesh.Cli.Home;
using PeerMesh.Cli.Node;
using PeerMesh.Cli.Settings;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Discovery.Mdns.Sockets;
using PeerMesh.Mesh.Text;
using PeerMesh.Sync.Health;
using PeerMesh.Sync.LocalRepo;

namespace PeerMesh.Cli.Doctor;

/// <summary>
/// The checks of <c>peermesh doctor</c>: what commonly breaks a LAN mesh, each with how to fix it.
/// They only look: nothing is changed on the machine.
/// </summary>
internal static class DoctorChecks
{
    private const int MdnsPort = 5353;

    public static IEnumerable<CheckResult> Run(string path, CommandLineSettings flags, NodeHome? home = null)
    {
        yield return Git();
        yield return GitDaemon();
        yield return LibGit2();

        LocalRepository? repo = null;
        CheckResult repoResult;
        try
        {
            repo = LocalRepository.Open(path);
            repoResult = CheckResult.Pass("repository", $"{repo.WorkingDirectory} (repo id {repo.RepoId[..Math.Min(12, repo.RepoId.Length)]})");
        }
        catch (RepositoryLookupException e)
        {
            repoResult = CheckResult.Fail("repository", e.Message);
        }

        yield return repoResult;
        if (repo is { ShallowCut: true })
        {
            yield return CheckResult.Warn("project", "matches no full clone", LocalRepository.ShallowAdvice);
        }

        NodeSettings? settings = null;
        CheckResult? settingsError = null;
        try
        {
            // Node-level settings come from the global git config, as for `up`.
            settings = SettingsResolver.Resolve(flags, PeerMeshConfig.ReadGlobal(), Dns.GetHostName());
            if (repo is not null)
            {
                // Pinning is per repository.
                settings = settings with { Trust = SettingsResolver.Trust(PeerMeshConfig.Read(repo.GitDirectory)) };
            }
        }
        catch (CliException e)
        {
            settingsError = CheckResult.Fail("settings", e.Message);
        }

        if (settingsError is not null || settings is null)
        {
            yield return settingsError!;
            yield break;
        }

        var running = home is not null && NodeLock.IsHeld(home.Directory);
        yield return running
            ? CheckResult.Pass("node", $"a node is running for the home {home} (its own ports are not checked)")
            : CheckResult.Pass("node", "no node running for this home");
        if (!running)
        {
            yield return GitPort(settings);
            yield return GossipPort(settings);
        }

        yield return MulticastInterfaces();
        yield return MulticastRoute();
        yield return MdnsPortShared();
        yield return Firewall(settings);
        yield return MeshKey(settings);
        yield return Trust(settings);
    }

    private static CheckResult Trust(NodeSettings settings) => settings.Trust.IsPinned
        ? CheckResult.Pass("trust", $"only {Plural.Count(settings.Trust.NodeIds.Length, "pinned node is", "pinned nodes are")} fetched: {string.Join(", ", settings.Trust.NodeIds)}")
        : CheckResult.Pass("trust", "no peermesh.trust: every node admitted to the mesh is fetched");

    private static CheckResult Git()
    {
        var (code, output) = RunTool("git", "--version");
        return code == 0
            ? CheckResult.Pass("git", output.Trim())
            : CheckResult.Fail("git", "git is not installed or not on PATH", "install git (Debian: apt-get install git)");
    }

    private static CheckResult GitDaemon()
    {
        var (code, execPath) = RunTool("git", "--exec-path");
        var daemon = Path.Combine(execPath.Trim(), "git-daemon");
        return code == 0 && File.Exists(daemon)
            ? CheckResult.Pass("git daemon", daemon)
            : CheckResult.Fail("git daemon", "git daemon is not installed", "install the package that provides git-daemon (Debian: git)");
    }

    private static CheckResult LibGit2()
    {
        var version = LibGit2Check.Read();
        var warning = LibGit2Check.Warning(version);
        return warning is null
            ? CheckResult.Pass("libgit2", $"{version} (bundled)")
            : CheckResult.Warn("libgit2", warning);
    }

    private static CheckResult GitPort(NodeSettings settings)
    {
        if (settings.GitPort == 0)
        {
            return CheckResult.Pass("git port", "any free port (--git-port 0)");
        }

        if (CanBind(settings.Listen, settings.GitPort, SocketType.Stream, ProtocolType.Tcp, shared: false))
        {
            return CheckResult.Pass("git port", $"TCP {settings.GitPort} is free");
        }

        return settings.GitPort == 9418
            ? CheckResult.Warn("git port", "TCP 9418 is taken (another git daemon?); the node will serve on a free port and advertise it")
            : CheckResult.Fail("git port", $"TCP {settings.GitPort} is taken", "choose another with --git-port, or 0 for any free port");
    }

    private static CheckResult GossipPort(NodeSettings settings)
    {
        if (settings.GossipPort == 0)
        {
            return CheckResult.Pass("gossip port", "any free port (--gossip-port 0); peers need mDNS or your address to find it");
        }

        return CanBind(settings.Listen, settings.GossipPort, SocketType.Dgram, ProtocolType.Udp, shared: false)
            ? CheckResult.Pass("gossip port", $"UDP {settings.GossipPort} is free")
            : CheckResult.Fail("gossip port", $"UDP {settings.GossipPort} is taken", "stop what uses it, or choose another with --gossip-port");
    }

    private static CheckResult MulticastInterfaces()
    {
        var names = MulticastCapableInterfaces().Select(i => i.Name).ToList();
        return names.Count > 0
            ? CheckResult.Pass("interfaces", "multicast-capable: " + string.Join(", ", names))
            : CheckResult.Fail("interfaces", "no interface that is up and multicast-capable: mDNS cannot work", "connect to a network, or give seeds with --peer HOST:PORT");
    }

    private static CheckResult MulticastRoute()
    {
        var (code, output) = RunTool("ip", "route", "get", "224.0.0.251");
        if (code == 0 && output.Contains(" dev ", StringComparison.Ordinal))
        {
            var device = output.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipWhile(w => w != "dev").Skip(1).FirstOrDefault();
            return CheckResult.Pass("multicast route", $"224.0.0.251 goes out on {device}");
        }

        if (code == -1)
        {
            return CheckResult.Warn("multicast route", "cannot tell (the ip command is missing)");
        }

        var iface = MulticastCapableInterfaces().Select(i => i.Name).FirstOrDefault() ?? "IFACE";
        return CheckResult.Fail("multicast route", "no route for multicast: mDNS cannot work", $"ip route add 224.0.0.0/4 dev {iface} (or give seeds with --peer)");
    }

    private static CheckResult MdnsPortShared()
    {
        var others = File.Exists("/proc/net/udp") && File.ReadLines("/proc/net/udp").Skip(1)
            .Any(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var local, ..] && local.EndsWith($":{MdnsPort:X4}", StringComparison.Ordinal));
        if (CanBind(IPAddress.Any, MdnsPort, SocketType.Dgram, ProtocolType.Udp, shared: true))
        {
            return CheckResult.Pass("mdns port", others ? "UDP 5353 is shared with another responder (avahi or similar): fine" : "UDP 5353 is free");
        }

        return CheckResult.Fail("mdns port", "UDP 5353 is held exclusively by another program: mDNS discovery will be off", "stop that program or run it with SO_REUSEADDR; seeds and gossip still work");
    }

    private static CheckResult Firewall(NodeSettings settings)
    {
        var ports = new[] { settings.GitPort, settings.GossipPort, MdnsPort }.Where(p => p != 0).Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        foreach (var (tool, args) in new[] { ("nft", new[] { "list", "ruleset" }), ("iptables", new[] { "-S" }) })
        {
            var (code, output) = RunTool(tool, args);
            if (code != 0)
            {
                continue;
            }

            var dropping = output.Split('\n')
                .Where(l => l.Contains("drop", StringComparison.OrdinalIgnoreCase) || l.Contains("reject", StringComparison.OrdinalIgnoreCase))
                .Where(l => ports.Any(p => l.Contains("dport " + p, StringComparison.Ordinal) || l.Contains("--dport " + p, StringComparison.Ordinal)))
                .ToList();
            return dropping.Count == 0
                ? CheckResult.Pass("firewall", $"no {tool} rule drops ports {string.Join(", ", ports)}")
                : CheckResult.Warn("firewall", $"{tool} rules drop PeerMesh ports: {dropping[0].Trim()}", "allow TCP git port and UDP gossip port and 5353 on the LAN");
        }

        return CheckResult.Pass("firewall", "no nft or iptables rules readable here (cannot tell)");
    }

    private static CheckResult MeshKey(NodeSettings settings)
    {
        if (settings.MeshKeyFiles.Count == 0)
        {
            return CheckResult.Warn("mesh key", "none: the mesh is open to anyone on the LAN", "share a key file and use --mesh-key-file");
        }

        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        foreach (var file in settings.MeshKeyFiles)
        {
            if (!File.Exists(file))
            {
                return CheckResult.Fail("mesh key", $"{file} does not exist");
            }

            if ((File.GetUnixFileMode(file) & others) != 0)
            {
                return CheckResult.Fail("mesh key", $"{file} is readable by other users", $"chmod 600 {file}");
            }
        }

        return CheckResult.Pass("mesh key", $"{string.Join(", ", settings.MeshKeyFiles)} readable by the owner only");
    }

    /// <summary>The interfaces mDNS itself would use (up, multicast-capable, with an IPv4 or IPv6 address).</summary>
    private static IReadOnlyList<MdnsInterface> MulticastCapableInterfaces() =>
        new SystemNetworkInterfaceProvider(includeLoopback: false).GetInterfaces();

    private static bool CanBind(IPAddress? address, int port, SocketType type, ProtocolType protocol, bool shared)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, type, protocol);
            if (shared)
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }

            socket.Bind(new IPEndPoint(address is { AddressFamily: AddressFamily.InterNetwork } ? address : IPAddress.Any, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Runs a tool and returns its exit code and output; -1 when the tool is missing.</summary>
    private static (int Code, string Output) RunTool(string tool, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            return process.WaitForExit(5000) ? (process.ExitCode, output) : (-1, "");
        }
        catch (Win32Exception)
        {
            return (-1, "");
        }
    }
}
