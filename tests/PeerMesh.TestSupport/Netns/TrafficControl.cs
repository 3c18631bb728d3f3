using System.Globalization;

namespace PeerMesh.TestSupport.Netns;

/// <summary>
/// Link faults with `tc` on the two ends of a host's veth (eth0 in the host for what it sends, its port in the
/// switch for what it receives).
/// </summary>
/// <remarks>
/// Kernels without sch_netem or the gact action exist (this machine has neither), so loss does not rely on them:
/// an htb root sends packets picked by a classic-BPF classifier to a class whose pfifo has limit 0, i.e. drops
/// them. The loss filter draws a kernel random number per packet (cBPF ancillary load SKF_AD_RANDOM); the multicast
/// filter matches destination MACs 01:00:5e/24 and 33:33/16. Delay needs netem and is refused clearly without it.
/// </remarks>
internal static class TrafficControl
{
    private const string DropClass = "1:2";

    // ldh [0]; jeq 0x3333 -> drop; ld [0]; and 0xffffff00; jeq 0x01005e00 -> drop; ret 0.
    private const string MulticastProgram =
        "7,40 0 0 0,21 3 0 13107,32 0 0 0,84 0 0 4294967040,21 0 1 16801280,6 0 0 4294967295,6 0 0 0";

    /// <summary>
    /// Rewrites the qdiscs of both ends of the host's link from its fault state: eth0 (what the host sends) gets
    /// loss, delay and the multicast block, like `tc netem` on the host's interface; the switch port (what the host
    /// receives) gets the multicast block, and the loss too when it is set for both directions.
    /// </summary>
    public static async Task ApplyAsync(NetnsHost host, string switchNamespace, CancellationToken cancellationToken)
    {
        await ApplyToDeviceAsync(host.Namespace, "eth0", host.LossPercent, host.Delay, host.MulticastBlocked, cancellationToken);
        await ApplyToDeviceAsync(
            switchNamespace, host.SwitchPort, host.LossBothWays ? host.LossPercent : 0, TimeSpan.Zero, host.MulticastBlocked, cancellationToken);
    }

    private static async Task ApplyToDeviceAsync(
        string ns, string device, double lossPercent, TimeSpan delay, bool multicastBlocked, CancellationToken cancellationToken)
    {
        // Deleting a root qdisc that is the default one fails harmlessly.
        await Ip.TcAsync(ns, cancellationToken, "qdisc", "del", "dev", device, "root");
        if (lossPercent <= 0 && delay <= TimeSpan.Zero && !multicastBlocked)
        {
            return;
        }

        await TcAsync(ns, cancellationToken, "qdisc", "add", "dev", device, "root", "handle", "1:", "htb", "default", "1");
        await TcAsync(ns, cancellationToken, "class", "add", "dev", device, "parent", "1:", "classid", "1:1", "htb", "rate", "10gbit", "quantum", "60000");
        await TcAsync(ns, cancellationToken, "class", "add", "dev", device, "parent", "1:", "classid", DropClass, "htb", "rate", "10gbit", "quantum", "60000");
        await TcAsync(ns, cancellationToken, "qdisc", "add", "dev", device, "parent", DropClass, "handle", "20:", "pfifo", "limit", "0");
        if (delay > TimeSpan.Zero)
        {
            var delayMs = delay.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms";
            var netem = await Ip.TcAsync(ns, cancellationToken, "qdisc", "add", "dev", device, "parent", "1:1", "handle", "10:", "netem", "delay", delayMs);
            if (!netem.Succeeded)
            {
                throw new NotSupportedException(
                    $"tc netem is not available here ({netem.Stderr.Trim()}): delay cannot be injected. Loss and multicast blocking work without it.");
            }
        }

        if (multicastBlocked)
        {
            await AddFilterAsync(ns, device, "1", MulticastProgram, cancellationToken);
        }

        if (lossPercent > 0)
        {
            var threshold = (ulong)Math.Round(Math.Min(lossPercent, 100) / 100 * 4294967296.0);
            threshold = Math.Min(threshold, uint.MaxValue);
            // ld rand; jge #T, pass, drop; drop: ret -1 (the filter's classid); pass: ret 0 (no match, default class).
            var program = string.Create(CultureInfo.InvariantCulture, $"4,32 0 0 4294963256,53 1 0 {threshold},6 0 0 4294967295,6 0 0 0");
            await AddFilterAsync(ns, device, "2", program, cancellationToken);
        }
    }

    private static async Task AddFilterAsync(string ns, string device, string prio, string bytecode, CancellationToken cancellationToken)
    {
        var result = await Ip.TcAsync(
            ns, cancellationToken, "filter", "add", "dev", device, "parent", "1:", "protocol", "all", "prio", prio, "bpf", "bytecode", bytecode, "classid", DropClass);
        if (!result.Succeeded)
        {
            throw new NotSupportedException($"tc cls_bpf is not available here ({result.Stderr.Trim()}): packet faults cannot be injected.");
        }
    }

    private static async Task TcAsync(string ns, CancellationToken cancellationToken, params string[] args)
    {
        var result = await Ip.TcAsync(ns, cancellationToken, args);
        result.EnsureSuccess("tc " + string.Join(' ', args));
    }
}
