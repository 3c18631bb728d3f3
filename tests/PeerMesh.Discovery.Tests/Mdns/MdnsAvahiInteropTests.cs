using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Discovery.Mdns.Sockets;
using PeerMesh.Mesh.Membership;
using PeerMesh.TestSupport;
using PeerMesh.TestSupport.Netns;
using Xunit;

namespace PeerMesh.Discovery.Tests.Mdns;

/// <summary>
/// A standard DNS-SD browser (avahi) lists our instances. avahi-daemon runs in one host of a netns test
/// bed, our node in the other; avahi talks over a private D-Bus bus the test starts, so the host's
/// system bus and network are never touched.
/// </summary>
public sealed partial class MdnsAvahiInteropTests
{
    private const string RepoId = "0123456789abcdef0123456789abcdef01234567";

    [Fact]
    public async Task AvahiBrowse_RunningNode_ListsPeerMeshAndGitInstances()
    {
        var repo = new RepoAnnouncement(RepoId, "project", "/project", "digest", 1);
        await WithNodeAndAvahiAsync(new MdnsAdvertisement("aa01", "node", "mesh", 7001, 9418, [repo]), async (environment, address, avahiOutput) =>
        {
            string[]? git = null;
            await PollAsync(
                async () => (git = (await BrowseAsync(environment, "_git._tcp")).FirstOrDefault(f => f[3] == "project @ node")) is not null,
                avahiOutput);
            Assert.Equal(["pm-aa01.local", address, "9418"], git![6..9]);
            Assert.Contains($"\"repo={RepoId}\"", git[9], StringComparison.Ordinal);
            Assert.Contains("\"path=/project\"", git[9], StringComparison.Ordinal);

            string[]? peer = null;
            await PollAsync(async () => (peer = (await BrowseAsync(environment, "_peermesh._udp")).FirstOrDefault(f => f[3] == "node")) is not null, avahiOutput);
            Assert.Equal(["pm-aa01.local", address, "7001"], peer![6..9]);
            Assert.Contains("\"id=aa01\"", peer[9], StringComparison.Ordinal);
            Assert.Contains("\"v=2\"", peer[9], StringComparison.Ordinal);
        });
    }

    /// <summary>One node serving 256 repositories over real multicast sockets: avahi resolves every instance.</summary>
    [Fact]
    public async Task AvahiBrowse_NodeServing256Repos_ResolvesEveryInstance()
    {
        var repos = Enumerable.Range(0, 256)
            .Select(i => i.ToString("000", CultureInfo.InvariantCulture))
            .Select(i => new RepoAnnouncement("repo-" + i, "project-" + i, "/project-" + i, "", 0))
            .ToList();
        await WithNodeAndAvahiAsync(new MdnsAdvertisement("aa01", "node", "mesh", 7001, 9418, [.. repos]), async (environment, address, avahiOutput) =>
        {
            List<string[]> found = [];
            await PollAsync(async () => (found = await BrowseAsync(environment, "_git._tcp")).Count >= 256, () => $"{found.Count} resolved; " + avahiOutput());
            Assert.Equal(repos.Select(r => $"{r.Name} @ node").Order(), found.Select(f => f[3]).Order());
            Assert.All(found, f => Assert.Equal(["pm-aa01.local", address, "9418"], f[6..9]));
            Assert.All(repos, r => Assert.Contains(found, f => f[3] == $"{r.Name} @ node" && f[9].Contains($"\"path={r.Path}\"", StringComparison.Ordinal)));
        });
    }

    /// <summary>
    /// avahi-daemon in the second host of a two-host bed (over a private D-Bus bus), our node in the first; runs
    /// <paramref name="body"/> with avahi's environment, the node's address and avahi's output so far.
    /// </summary>
    private static async Task WithNodeAndAvahiAsync(
        MdnsAdvertisement advertisement, Func<IReadOnlyDictionary<string, string?>, string, Func<string>, Task> body)
    {
        var ct = TestContext.Current.CancellationToken;
        var unavailable = await NetnsTestBed.GetSkipReasonAsync(ct);
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        var missing = new[] { "/usr/sbin/avahi-daemon", "/usr/bin/avahi-browse", "/usr/bin/dbus-daemon" }.FirstOrDefault(f => !File.Exists(f));
        Assert.SkipWhen(missing is not null, $"{missing} is not installed (apt-get install avahi-daemon avahi-utils dbus)");

        // dbus-daemon and avahi-daemon run in the second host (the bed kills them and removes their folder).
        await using var link = await MdnsLink.CreateAsync(ct);
        var dir = link.Second.WorkDirectory;
        var bus = Path.Combine(dir, "bus");
        var environment = new Dictionary<string, string?> { ["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=" + bus };
        await File.WriteAllTextAsync(Path.Combine(dir, "bus.conf"), BusConfig(bus), ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "avahi.conf"), AvahiConfig(link.SecondInterface.Name), ct);
        var dbus = link.Second.StartProcess(["dbus-daemon", "--config-file=" + Path.Combine(dir, "bus.conf"), "--nofork"], "dbus", environment: environment);
        await PollAsync(() => Task.FromResult(File.Exists(bus)), () => Output(dbus));
        var avahi = link.Second.StartProcess(
            ["avahi-daemon", "--no-drop-root", "--no-chroot", "--no-rlimits", "-f", Path.Combine(dir, "avahi.conf")], "avahi", environment: environment);
        await PollAsync(() => Task.FromResult(Output(avahi).Contains("Server startup complete", StringComparison.Ordinal)), () => Output(avahi));

        using var thread = link.First.StartThread();
        var options = new MdnsOptions();
        var counters = new MdnsCounters();
        // The MdnsDiscovery made next owns the transport and disposes it.
#pragma warning disable CA2000
        var transport = new UdpMdnsTransport(options, new FixedInterfaceProvider(link.FirstInterface), new NamespaceSocketFactory(thread), TimeProvider.System, NullLogger.Instance, counters);
#pragma warning restore CA2000
        await using var node = new MdnsDiscovery(options, advertisement, new RecordingSink(), TimeProvider.System, NullLogger.Instance, transport, counters);
        await node.StartAsync(ct);

        await body(environment, link.FirstInterface.Addresses[0].ToString(), () => Output(avahi));
    }

    private static string Output(NetnsProcess process) => process.ReadStdout() + process.ReadStderr();

    /// <summary>Runs `avahi-browse -rtp TYPE` and returns its resolved ("=") lines of that type, split, one per instance.</summary>
    private static async Task<List<string[]>> BrowseAsync(IReadOnlyDictionary<string, string?> environment, string type)
    {
        var result = await CommandRunner.RunAsync(
            CommandRunner.FindTool("avahi-browse"), ["-r", "-t", "-p", type], null, environment, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        return result.Stdout.Split('\n')
            .Where(l => l.StartsWith("=;", StringComparison.Ordinal))
            .Select(l => l.Split(';').Select(Unescape).ToArray())
            .Where(f => f.Length >= 10 && f[4] == type)
            .DistinctBy(f => f[3])
            .ToList();
    }

    /// <summary>avahi-browse -p writes special characters as \DDD (decimal).</summary>
    private static string Unescape(string text) =>
        EscapeRegex().Replace(text, m => ((char)int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToString());

    [GeneratedRegex(@"\\(\d{3})")]
    private static partial Regex EscapeRegex();

    private static Task PollAsync(Func<Task<bool>> condition, Func<string> diagnostics, [CallerArgumentExpression(nameof(condition))] string what = "") =>
        Poll.UntilAsync(what, _ => condition(), TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken, TimeSpan.FromMilliseconds(200), () => "helper output:\n" + diagnostics());

    private static string BusConfig(string socketPath)
    {
        var sb = new StringBuilder();
        sb.AppendLine("<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">");
        sb.AppendLine("<busconfig><type>system</type>");
        sb.AppendLine($"<listen>unix:path={socketPath}</listen><auth>EXTERNAL</auth>");
        sb.AppendLine("<policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/><allow send_destination=\"*\"/><allow receive_sender=\"*\"/></policy>");
        sb.AppendLine("</busconfig>");
        return sb.ToString();
    }

    private static string AvahiConfig(string interfaceName) => $"""
        [server]
        host-name=pm-avahi-test
        use-ipv4=yes
        use-ipv6=no
        allow-interfaces={interfaceName}
        enable-dbus=yes
        [wide-area]
        enable-wide-area=no
        [publish]
        publish-hinfo=no
        publish-workstation=no
        """;
}
