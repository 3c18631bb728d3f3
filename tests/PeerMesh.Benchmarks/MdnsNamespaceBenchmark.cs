using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Discovery.Mdns.Sockets;
using PeerMesh.Mesh.Membership;

namespace PeerMesh.Benchmarks;

/// <summary>
/// The discovery latency over real multicast: two network namespaces joined by a veth pair (never
/// the host's interfaces); a node in the first lists a node started, 20 times, in the second.
/// </summary>
internal static class MdnsNamespaceBenchmark
{
    public static async Task RunAsync(int starts, TextWriter output, CancellationToken cancellationToken)
    {
        await output.WriteLineAsync();
        await output.WriteLineAsync("## mDNS discovery latency (real multicast across a veth pair in network namespaces, wall clock)");
        await output.WriteLineAsync();
        if (Environment.UserName != "root" || (await RunAsync("ip", "netns", "list")).Code != 0)
        {
            await output.WriteLineAsync("skipped: needs root and `ip netns`");
            return;
        }

        var suffix = Random.Shared.Next(0x10000, 0xFFFFF).ToString("x", CultureInfo.InvariantCulture);
        var (nsA, nsB, ifA, ifB) = ($"pm-mdnsb-{suffix}a", $"pm-mdnsb-{suffix}b", $"pmba{suffix}", $"pmbb{suffix}");
        try
        {
            await CheckedAsync("ip", "netns", "add", nsA);
            await CheckedAsync("ip", "netns", "add", nsB);
            await CheckedAsync("ip", "link", "add", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB);
            var a = await ConfigureAsync(nsA, ifA, "198.18.77.1");
            var b = await ConfigureAsync(nsB, ifB, "198.18.77.2");
            using var threadA = new SetnsThread(nsA);
            using var threadB = new SetnsThread(nsB);
            var sinkA = new Sink();
            await using var existing = Create(threadA, a, "aa000001", sinkA, 0);
            await existing.StartAsync(cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            var samples = new List<TimeSpan>();
            for (var run = 0; run < starts && !cancellationToken.IsCancellationRequested; run++)
            {
                var nodeId = "bb" + run.ToString("x6", CultureInfo.InvariantCulture);
                await using var fresh = Create(threadB, b, nodeId, new Sink(), run);
                var started = Stopwatch.GetTimestamp();
                await fresh.StartAsync(cancellationToken);
                while (!sinkA.Has(nodeId))
                {
                    if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(30))
                    {
                        throw new InvalidOperationException("not listed within 30 s");
                    }

                    await Task.Delay(2, cancellationToken);
                }

                samples.Add(Stopwatch.GetElapsedTime(started));
                await fresh.StopAsync(cancellationToken);
                await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
            }

            await output.WriteLineAsync("| starts | p50 | p99 | max | target |");
            await output.WriteLineAsync("| ---: | ---: | ---: | ---: | --- |");
            await output.WriteLineAsync(FormattableString.Invariant(
                $"| {samples.Count} | {MdnsBenchmark.Ms(MdnsBenchmark.Percentile(samples, 50))} | {MdnsBenchmark.Ms(MdnsBenchmark.Percentile(samples, 99))} | {MdnsBenchmark.Ms(samples.Max())} | < 1 s |"));
        }
        finally
        {
            await RunAsync("ip", "netns", "del", nsA);
            await RunAsync("ip", "netns", "del", nsB);
        }
    }

    private static MdnsDiscovery Create(SetnsThread thread, MdnsInterface networkInterface, string nodeId, IJoinCandidateSink sink, int seed)
    {
        var options = new MdnsOptions();
        var counters = new MdnsCounters();
        // The MdnsDiscovery returned below owns the transport and disposes it.
#pragma warning disable CA2000
        var transport = new UdpMdnsTransport(options, new Fixed(networkInterface), new Factory(thread), TimeProvider.System, NullLogger.Instance, counters);
#pragma warning restore CA2000
        var advertisement = new MdnsAdvertisement(nodeId, "bench", "mesh", 9419, 0, []);
        return new MdnsDiscovery(options, advertisement, sink, TimeProvider.System, NullLogger.Instance, transport, counters, new Random(seed));
    }

    private static async Task<MdnsInterface> ConfigureAsync(string ns, string link, string address)
    {
        await CheckedAsync("ip", "-n", ns, "link", "set", "lo", "up");
        await CheckedAsync("ip", "-n", ns, "addr", "add", address + "/24", "dev", link);
        await CheckedAsync("ip", "-n", ns, "link", "set", link, "up");
        await CheckedAsync("ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", link);
        var shown = await CheckedAsync("ip", "-n", ns, "-o", "link", "show", "dev", link);
        var index = int.Parse(shown[..shown.IndexOf(':', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
        return new MdnsInterface(index, link, ImmutableArray.Create(IPAddress.Parse(address)));
    }

    private static async Task<string> CheckedAsync(string file, params string[] args)
    {
        var (code, text) = await RunAsync(file, args);
        return code == 0 ? text : throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {text}");
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    // DllImport, not LibraryImport: this project does not allow unsafe code, and the signature is blittable.
    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nsType);

    private sealed class SetnsThread : IDisposable
    {
        private readonly BlockingCollection<Action> _work = [];
        private readonly Thread _thread;

        public SetnsThread(string ns)
        {
            var entered = new TaskCompletionSource();
            _thread = new Thread(() =>
            {
                using (var handle = File.OpenHandle("/var/run/netns/" + ns))
                {
                    if (SetNs((int)handle.DangerousGetHandle(), 0x40000000) != 0)
                    {
                        entered.SetException(new InvalidOperationException("setns failed"));
                        return;
                    }
                }

                entered.SetResult();
                foreach (var action in _work.GetConsumingEnumerable())
                {
                    action();
                }
            })
            { IsBackground = true };
            _thread.Start();
            entered.Task.GetAwaiter().GetResult();
        }

        public Socket CreateSocket(AddressFamily family)
        {
            var done = new TaskCompletionSource<Socket>();
            _work.Add(() => done.SetResult(new Socket(family, SocketType.Dgram, ProtocolType.Udp)));
            return done.Task.GetAwaiter().GetResult();
        }

        public void Dispose()
        {
            _work.CompleteAdding();
            _thread.Join();
            _work.Dispose();
        }
    }

    private sealed class Factory(SetnsThread thread) : IMdnsSocketFactory
    {
        public Socket Create(AddressFamily addressFamily) => thread.CreateSocket(addressFamily);
    }

    private sealed class Fixed(MdnsInterface networkInterface) : INetworkInterfaceProvider
    {
        public IReadOnlyList<MdnsInterface> GetInterfaces() => [networkInterface];
    }

    private sealed class Sink : IJoinCandidateSink
    {
        private readonly ConcurrentDictionary<string, bool> _ids = new();

        public bool Has(string nodeId) => _ids.ContainsKey(nodeId);

        public void OfferCandidate(IPEndPoint gossipEndPoint, DiscoverySource source, string? nodeId = null) => _ids[nodeId ?? ""] = true;
    }
}
