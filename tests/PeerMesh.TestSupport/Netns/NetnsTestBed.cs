using System.Net;
using System.Security.Cryptography;

namespace PeerMesh.TestSupport.Netns;

/// <summary>
/// N hosts (1..10), each in its own network namespace with eth0 on one Linux bridge. The bridge lives in a dedicated
/// "switch" namespace, so nothing is added to the root namespace. Everything made here is named
/// "pmt-PID-RAND-..." and removed by <see cref="DisposeAsync"/> (processes first, then namespaces, then temp
/// folders); leftovers of killed runs are swept when the next bed is created.
/// </summary>
public sealed class NetnsTestBed : IAsyncDisposable
{
    public const string Prefix = "pmt";

    public const int MaxHosts = 10;

    private static readonly SemaphoreSlim s_probeGate = new(1, 1);
    private static string? s_skipReason;
    private static bool s_probed;

    private readonly List<NetnsHost> _hosts = [];
    private readonly List<string> _namespaces = [];
    private readonly List<string> _partitionBridges = [];
    private readonly string _rand;
    private readonly NetnsTestBedOptions _options;
    private int _nextAddress = 101;
    private int _disposed;

    private NetnsTestBed(NetnsTestBedOptions options)
    {
        _options = options;
        _rand = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));
        RunId = $"{Prefix}-{Environment.ProcessId}-{_rand}";
        SwitchNamespace = RunId + "-sw";
        Bridge = $"br{_rand}";
        WorkRoot = Path.Combine(Path.GetTempPath(), RunId);
    }

    /// <summary>"pmt-PID-RAND": the prefix of every namespace and of the temp folder of this bed.</summary>
    public string RunId { get; }

    public string SwitchNamespace { get; }

    /// <summary>The main bridge in the switch namespace (no address: it only switches).</summary>
    public string Bridge { get; }

    /// <summary>This bed's temp folder; each host has a subfolder.</summary>
    public string WorkRoot { get; }

    public IReadOnlyList<NetnsHost> Hosts => _hosts;

    /// <summary>The hosts' subnet; first addresses are 198.18.0.1..N, new ones from .101 up.</summary>
    public static IPNetwork Subnet { get; } = IPNetwork.Parse("198.18.0.0/24");

    /// <summary>
    /// Null when namespaces can be made here; otherwise why not (not root, or `ip netns add` fails), for a test to
    /// skip with. Probed once per process.
    /// </summary>
    public static async Task<string?> GetSkipReasonAsync(CancellationToken cancellationToken)
    {
        await s_probeGate.WaitAsync(cancellationToken);
        try
        {
            if (!s_probed)
            {
                s_skipReason = await ProbeAsync(cancellationToken);
                s_probed = true;
            }

            return s_skipReason;
        }
        finally
        {
            s_probeGate.Release();
        }
    }

    public static Task<NetnsTestBed> CreateAsync(int hostCount, CancellationToken cancellationToken) =>
        CreateAsync(hostCount, new NetnsTestBedOptions(), cancellationToken);

    /// <summary>As <see cref="CreateAsync(int, CancellationToken)"/>, with eth0 addressed as <paramref name="options"/> say.</summary>
    public static async Task<NetnsTestBed> CreateAsync(int hostCount, NetnsTestBedOptions options, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hostCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hostCount, MaxHosts);
        if (!options.Ipv4 && !options.FixedIpv6LinkLocal)
        {
            throw new ArgumentException("A bed without IPv4 needs the fixed IPv6 link-local addresses.", nameof(options));
        }

        await NetnsSweeper.SweepAsync(cancellationToken);
        var bed = new NetnsTestBed(options);
        try
        {
            await bed.BuildAsync(hostCount, cancellationToken);
            return bed;
        }
        catch
        {
            await bed.DisposeAsync();
            throw;
        }
    }

    /// <summary>Unplugs the host's cable: its switch port goes down (eth0 loses carrier, keeps its address and routes).</summary>
    public async Task LinkDownAsync(NetnsHost host, CancellationToken cancellationToken)
    {
        await Ip.RunAsync(cancellationToken, "-n", SwitchNamespace, "link", "set", host.SwitchPort, "down");
        host.LinkDown = true;
    }

    public async Task LinkUpAsync(NetnsHost host, CancellationToken cancellationToken)
    {
        await Ip.RunAsync(cancellationToken, "-n", SwitchNamespace, "link", "set", host.SwitchPort, "up");
        host.LinkDown = false;
        await EnsureMulticastRouteAsync(host, cancellationToken);
        await WaitLinksReadyAsync([host], cancellationToken);
    }

    /// <summary>
    /// Splits the switch: each group gets its own bridge, so hosts talk within their group only. Hosts in no group
    /// stay on the main bridge with the first group. Replaces any earlier partition.
    /// </summary>
    public async Task PartitionAsync(IReadOnlyList<IReadOnlyList<NetnsHost>> groups, CancellationToken cancellationToken)
    {
        if (_options.Links is not null)
        {
            throw new NotSupportedException("Partitions split the one link of a bed; this bed was made with links of its own.");
        }

        var all = groups.SelectMany(g => g).ToList();
        if (all.Distinct().Count() != all.Count)
        {
            throw new ArgumentException("A host is in more than one group.", nameof(groups));
        }

        await HealAsync(cancellationToken);
        for (var g = 1; g < groups.Count; g++)
        {
            var bridge = $"br{_rand}p{g}";
            await Ip.RunAsync(cancellationToken, "-n", SwitchNamespace, "link", "add", bridge, "type", "bridge", "mcast_snooping", "0");
            _partitionBridges.Add(bridge);
            await Ip.RunAsync(cancellationToken, "-n", SwitchNamespace, "link", "set", bridge, "up");
            foreach (var host in groups[g])
            {
                await Ip.RunAsync(cancellationToken, "-n", SwitchNamespace, "link", "set", host.SwitchPort, "master", bridge);
            }
        }
    }

    /// <summary>Convenience for two groups.</summary>
    public Task PartitionAsync(IReadOnlyList<NetnsHost> groupA, IReadOnlyList<NetnsHost> groupB, CancellationToken cancellationToken) =>
        PartitionAsync([groupA, groupB], cancellationToken);

    /// <summary>Puts every port back on the main bridge and removes the partition bridges.</summary>
    public async Task HealAsync(CancellationToken cancellationToken)
    {
        if (_partitionBridges.Count == 0)
        {
            return;
        }

        foreach (var host in _hosts)
        {
            await Ip.RunAsync(cancellationToken, "-n", SwitchNamespace, "link", "set", host.SwitchPort, "master", Bridge);
        }

        foreach (var bridge in _partitionBridges)
        {
            await Ip.RunAsync(cancellationToken, "-n", SwitchNamespace, "link", "del", bridge);
        }

        _partitionBridges.Clear();
    }

    /// <summary>
    /// Random loss (percent) and, where tc netem exists, added delay on what the host sends, as `tc qdisc add dev
    /// eth0 root netem loss L delay D` in the host would do: on a bed where every host has it, each packet meets
    /// it once. Throws <see cref="NotSupportedException"/> for a delay without netem.
    /// </summary>
    public Task NetemAsync(NetnsHost host, double lossPercent, TimeSpan delay, CancellationToken cancellationToken) =>
        NetemAsync(host, lossPercent, delay, bothDirections: false, cancellationToken);

    /// <summary>
    /// As above; with <paramref name="bothDirections"/> the loss also hits what the host receives (a bad cable of
    /// its own), so a round trip with a healthy host crosses it twice.
    /// </summary>
    public async Task NetemAsync(NetnsHost host, double lossPercent, TimeSpan delay, bool bothDirections, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lossPercent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lossPercent, 100);
        var (oldLoss, oldDelay, oldBoth) = (host.LossPercent, host.Delay, host.LossBothWays);
        (host.LossPercent, host.Delay, host.LossBothWays) = (lossPercent, delay, bothDirections);
        try
        {
            await TrafficControl.ApplyAsync(host, SwitchNamespace, cancellationToken);
        }
        catch (NotSupportedException)
        {
            // Leave the link as it was, not half-configured.
            (host.LossPercent, host.Delay, host.LossBothWays) = (oldLoss, oldDelay, oldBoth);
            await TrafficControl.ApplyAsync(host, SwitchNamespace, cancellationToken);
            throw;
        }
    }

    /// <summary>True when tc netem exists here, i.e. NetemAsync can add delay (loss works either way).</summary>
    public async Task<bool> SupportsDelayAsync(CancellationToken cancellationToken)
    {
        var host = _hosts[0];
        var result = await Ip.TcAsync(host.Namespace, cancellationToken, "qdisc", "add", "dev", "lo", "root", "handle", "9:", "netem", "delay", "1ms");
        if (result.Succeeded)
        {
            await Ip.TcAsync(host.Namespace, cancellationToken, "qdisc", "del", "dev", "lo", "root");
        }

        return result.Succeeded;
    }

    /// <summary>Removes loss and delay from the host's link (a multicast block stays).</summary>
    public Task ClearNetemAsync(NetnsHost host, CancellationToken cancellationToken) =>
        NetemAsync(host, 0, TimeSpan.Zero, cancellationToken);

    /// <summary>
    /// Multicast stops at this host, visibly: eth0 loses its MULTICAST flag (as on a link or driver without
    /// multicast, which a daemon can notice), its 224.0.0.0/4 route is removed and multicast frames are dropped both
    /// ways on its link (so a socket bound to the interface cannot get around it either).
    /// </summary>
    public Task BlockMulticastAsync(NetnsHost host, CancellationToken cancellationToken) =>
        BlockMulticastAsync(host, silent: false, cancellationToken);

    /// <summary>
    /// As above; <paramref name="silent"/> keeps the flag and the route, so the host sees nothing wrong and its
    /// multicast just never arrives (like a switch or access point filtering it).
    /// </summary>
    public async Task BlockMulticastAsync(NetnsHost host, bool silent, CancellationToken cancellationToken)
    {
        host.MulticastBlocked = true;
        if (!silent)
        {
            await Ip.RunAsync(cancellationToken, "-n", host.Namespace, "link", "set", "eth0", "multicast", "off");
            await Ip.TryRunAsync(cancellationToken, "-n", host.Namespace, "route", "del", "224.0.0.0/4", "dev", "eth0");
        }

        await TrafficControl.ApplyAsync(host, SwitchNamespace, cancellationToken);
    }

    public async Task UnblockMulticastAsync(NetnsHost host, CancellationToken cancellationToken)
    {
        host.MulticastBlocked = false;
        await TrafficControl.ApplyAsync(host, SwitchNamespace, cancellationToken);
        await Ip.RunAsync(cancellationToken, "-n", host.Namespace, "link", "set", "eth0", "multicast", "on");
        await EnsureMulticastRouteAsync(host, cancellationToken);
    }

    /// <summary>Gives the host a fresh address (198.18.0.101 and up), replacing its current one.</summary>
    public async Task<IPAddress> ChangeAddressAsync(NetnsHost host, CancellationToken cancellationToken)
    {
        if (!_options.Ipv4)
        {
            throw new InvalidOperationException("This bed has no IPv4 addresses to change.");
        }

        if (_nextAddress > 254)
        {
            throw new InvalidOperationException("No fresh address left in 198.18.0.0/24.");
        }

        var address = IPAddress.Parse($"198.18.0.{_nextAddress++}");
        // Delete first: deleting a primary address would take a secondary of the same subnet with it.
        await Ip.RunAsync(cancellationToken, "-n", host.Namespace, "addr", "del", $"{host.Address}/24", "dev", "eth0");
        await Ip.RunAsync(cancellationToken, "-n", host.Namespace, "addr", "add", $"{address}/24", "dev", "eth0");
        host.Address = address;
        await EnsureMulticastRouteAsync(host, cancellationToken);
        return address;
    }

    /// <summary>
    /// Stops <paramref name="process"/> (SIGTERM, then SIGKILL after 5 s), moves the host to a fresh address and
    /// starts the argv that <paramref name="argvForAddress"/> builds for the new address.
    /// </summary>
    public async Task<NetnsProcess> RestartWithNewAddressAsync(
        NetnsHost host,
        NetnsProcess process,
        Func<IPAddress, IReadOnlyList<string>> argvForAddress,
        CancellationToken cancellationToken)
    {
        await process.StopAsync(TimeSpan.FromSeconds(5), cancellationToken);
        var address = await ChangeAddressAsync(host, cancellationToken);
        return host.StartProcess(argvForAddress(address), process.Name.Replace(host.Name + "-", string.Empty, StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Teardown must finish even when the test was cancelled, so it takes no caller token.
        foreach (var host in _hosts)
        {
            foreach (var thread in host.Threads)
            {
                thread.Dispose();
            }

            foreach (var process in host.Processes)
            {
                await process.DisposeAsync();
            }
        }

        await NetnsSweeper.DeleteNamespacesAsync([.. Enumerable.Reverse(_namespaces)], CancellationToken.None);

        NetnsSweeper.TryDeleteDirectory(WorkRoot);
    }

    private static async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "network namespaces need root (CI runs these as root)";
        }

        var probe = $"{Prefix}-{Environment.ProcessId}-probe";
        try
        {
            var add = await CommandRunner.RunAsync(Ip.Path, ["netns", "add", probe], cancellationToken);
            if (!add.Succeeded)
            {
                return $"`ip netns add` fails here: {add.Stderr.Trim()}";
            }

            var link = await CommandRunner.RunAsync(Ip.Path, ["-n", probe, "link", "add", "b0", "type", "bridge"], cancellationToken);
            return link.Succeeded ? null : $"cannot create a bridge in a namespace: {link.Stderr.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"iproute2 `ip` is not installed: {e.Message}";
        }
        finally
        {
            await CommandRunner.RunAsync(Ip.Path, ["netns", "del", probe], CancellationToken.None);
        }
    }

    /// <summary>
    /// One `ip -batch` makes the namespaces, one per host configures it, one sets up the switch: a bed of N hosts
    /// costs N + 2 processes (one per step would be about 8 per host, the most of the time on a loaded machine).
    /// </summary>
    private async Task BuildAsync(int hostCount, CancellationToken cancellationToken)
    {
        var links = CheckLinks(hostCount);
        Directory.CreateDirectory(WorkRoot);
        var hostNamespaces = Enumerable.Range(1, hostCount).Select(i => $"{RunId}-h{i}").ToList();
        // Listed before they exist: a half-made bed is removed by DisposeAsync (a missing namespace is skipped).
        _namespaces.AddRange([SwitchNamespace, .. hostNamespaces]);
        await Ip.BatchAsync(null, _namespaces.Select(ns => "netns add " + ns), force: false, cancellationToken);
        for (var i = 1; i <= hostCount; i++)
        {
            var ns = hostNamespaces[i - 1];
            var interfaces = Enumerable.Range(0, links.Count)
                .Where(k => links[k].Contains(i))
                .Select((k, j) => new NetnsInterface(
                    $"eth{j}", IPAddress.Parse($"198.18.{k}.{i}"), j == 0 ? $"p{_rand}h{i}" : $"p{_rand}h{i}e{j}", k))
                .ToList();
            var linkLocal = _options.FixedIpv6LinkLocal ? IPAddress.Parse($"fe80::{i:x}") : null;
            var host = new NetnsHost(i, ns, interfaces[0].SwitchPort, _options.Ipv4 ? interfaces[0].Address : linkLocal!, Path.Combine(WorkRoot, $"h{i}"))
            {
                LinkLocalAddress = linkLocal,
                Interfaces = interfaces,
            };
            _hosts.Add(host);
            List<string> commands = ["link set lo up"];
            foreach (var nic in interfaces)
            {
                commands.Add($"link add {nic.Name} type veth peer name {nic.SwitchPort} netns {SwitchNamespace}");
                if (linkLocal is not null)
                {
                    // Before the link is up, or the kernel has already made its own link-local address.
                    commands.Add($"link set {nic.Name} addrgenmode none");
                }

                if (_options.Ipv4)
                {
                    commands.Add($"addr add {nic.Address}/24 dev {nic.Name}");
                }

                commands.Add($"link set {nic.Name} up");
            }

            if (_options.Ipv4)
            {
                commands.Add("route add 224.0.0.0/4 dev eth0");
            }

            if (linkLocal is not null)
            {
                commands.Add($"addr add {linkLocal}/64 dev eth0 nodad");
                commands.Add("route replace ff02::/16 dev eth0");
            }

            commands.Add("link show dev eth0");
            var shown = await Ip.BatchAsync(ns, commands, force: false, cancellationToken);
            // -o: "2: eth0@if5: <...> ..."
            var line = shown.Stdout.Split('\n').Single(l => l.Contains(": eth0@", StringComparison.Ordinal));
            host.InterfaceIndex = int.Parse(line[..line.IndexOf(':', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
        }

        var bridges = Enumerable.Range(0, links.Count).Select(k => k == 0 ? Bridge : $"br{_rand}l{k}").ToList();
        await Ip.BatchAsync(
            SwitchNamespace,
            [
                .. bridges.SelectMany(b => new[] { $"link add {b} type bridge mcast_snooping 0", $"link set {b} up" }),
                .. _hosts.SelectMany(h => h.Interfaces).SelectMany(n => new[] { $"link set {n.SwitchPort} master {bridges[n.Link]}", $"link set {n.SwitchPort} up" }),
            ],
            force: false,
            cancellationToken);
        await WaitLinksReadyAsync(_hosts, cancellationToken);
    }

    /// <summary>The bed's links (one of all hosts unless the options list them), checked: every host on one at least.</summary>
    private List<IReadOnlyList<int>> CheckLinks(int hostCount)
    {
        if (_options.Links is not { } links)
        {
            return [Enumerable.Range(1, hostCount).ToList()];
        }

        if (!_options.Ipv4 || _options.FixedIpv6LinkLocal)
        {
            throw new ArgumentException("A bed of several links is IPv4 only.", nameof(hostCount));
        }

        if (links.Count is 0 or > 255 || links.Any(l => l.Count == 0 || l.Distinct().Count() != l.Count || l.Any(i => i < 1 || i > hostCount)))
        {
            throw new ArgumentException($"Links must be 1 to 255 lists of distinct host numbers 1..{hostCount}.", nameof(hostCount));
        }

        var alone = Enumerable.Range(1, hostCount).Where(i => !links.Any(l => l.Contains(i))).ToList();
        if (alone.Count > 0)
        {
            throw new ArgumentException($"Host(s) {string.Join(", ", alone)} on no link.", nameof(hostCount));
        }

        return [.. links];
    }

    /// <summary>
    /// Waits until the hosts' cables carry frames: each eth0 and its switch port operationally up with a queue
    /// attached, and the port forwarding. The kernel gets there after `ip link set up` has returned (its link watch
    /// runs on a work queue); until then a frame is dropped by the "noop" queue, which under load was the first
    /// datagram a test sent.
    /// </summary>
    private async Task WaitLinksReadyAsync(IReadOnlyList<NetnsHost> hosts, CancellationToken cancellationToken)
    {
        var notReady = new List<string>();
        await Poll.UntilAsync(
            "every host's eth0 and switch port up, the port forwarding",
            async ct =>
            {
                var ports = await Ip.TryRunAsync(ct, "-n", SwitchNamespace, "-d", "-o", "link", "show");
                var nics = await Task.WhenAll(hosts.Select(h => Ip.TryRunAsync(ct, "-n", h.Namespace, "-o", "link", "show")));
                notReady.Clear();
                for (var i = 0; i < hosts.Count; i++)
                {
                    foreach (var nic in hosts[i].Interfaces)
                    {
                        var port = ports.Stdout.Split('\n').FirstOrDefault(l => l.Contains($": {nic.SwitchPort}@", StringComparison.Ordinal));
                        if (port is null || !Carries(port) || !port.Contains("bridge_slave state forwarding", StringComparison.Ordinal))
                        {
                            notReady.Add($"{nic.SwitchPort}: {port}");
                        }

                        var own = nics[i].Stdout.Split('\n').FirstOrDefault(l => l.Contains($": {nic.Name}@", StringComparison.Ordinal));
                        if (own is null || !Carries(own))
                        {
                            notReady.Add($"{hosts[i].Name} {nic.Name}: {own}{nics[i].Stderr}");
                        }
                    }
                }

                return notReady.Count == 0;
            },
            TimeSpan.FromSeconds(30),
            cancellationToken,
            describe: () => string.Join('\n', notReady));

        static bool Carries(string line) =>
            line.Contains(" state UP ", StringComparison.Ordinal) && !line.Contains(" qdisc noop ", StringComparison.Ordinal);
    }

    private async Task EnsureMulticastRouteAsync(NetnsHost host, CancellationToken cancellationToken)
    {
        if (_options.Ipv4 && !host.MulticastBlocked)
        {
            await Ip.RunAsync(cancellationToken, "-n", host.Namespace, "route", "replace", "224.0.0.0/4", "dev", "eth0");
        }
    }
}
