namespace PeerMesh.TestSupport.Netns;

/// <summary>
/// Plain network probes run inside hosts, to test the bed itself without PeerMesh: ICMP echo and multicast
/// send/receive. A small stdlib-only python3 script, since ping(8) is not installed on every machine.
/// </summary>
public static class NetProbe
{
    /// <summary>The mDNS group and port, which the multicast probe uses (TTL 255, as mDNS does).</summary>
    public const string MulticastGroup = "224.0.0.251";

    public const int MulticastPort = 5353;

    private const string Script = """"
"""Small network probes for the PeerMesh netns test bed (ICMP ping, multicast send/receive).

Used instead of ping(8), which is not installed everywhere; stdlib only.
"""
import os
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def ping(target, count, interval, wait):
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xFFFF
    pending = {}
    received = 0
    deadline_after_last = None
    seq = 0
    next_send = time.monotonic()
    while True:
        now = time.monotonic()
        if seq < count and now >= next_send:
            header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
            payload = b"peermesh-netns-probe"
            packet = struct.pack("!BBHHH", 8, 0, checksum(header + payload), ident, seq) + payload
            try:
                sock.sendto(packet, (target, 0))
            except OSError:
                pass
            pending[seq] = now
            seq += 1
            next_send = now + interval
            if seq == count:
                deadline_after_last = now + wait
        if seq == count and (received == count or now >= deadline_after_last):
            break
        timeout = max(0.0, (next_send if seq < count else deadline_after_last) - now)
        sock.settimeout(max(timeout, 0.001))
        try:
            data, _ = sock.recvfrom(2048)
        except socket.timeout:
            continue
        except OSError:
            continue
        ihl = (data[0] & 0x0F) * 4
        icmp_type, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
        if icmp_type == 0 and rid == ident and rseq in pending:
            del pending[rseq]
            received += 1
    print("sent %d received %d" % (count, received), flush=True)
    return 0 if received > 0 else 1


def mcast_socket(group, port, bind):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, "SO_REUSEPORT"):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    if bind:
        sock.bind(("", port))
        mreq = struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton("0.0.0.0"))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    return sock


def mcast_recv(group, port, token, wait):
    sock = mcast_socket(group, port, True)
    print("ready", flush=True)
    deadline = time.monotonic() + wait
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            print("timeout", flush=True)
            return 1
        sock.settimeout(left)
        try:
            data, source = sock.recvfrom(2048)
        except socket.timeout:
            continue
        if data == token.encode():
            print("received %s from %s" % (token, source[0]), flush=True)
            return 0


def mcast_send(group, port, token, count, interval):
    sock = mcast_socket(group, port, False)
    for _ in range(count):
        try:
            sock.sendto(token.encode(), (group, port))
        except OSError as error:
            print("send failed: %s" % error, flush=True)
        time.sleep(interval)
    print("sent %d" % count, flush=True)
    return 0


def main(argv):
    mode = argv[1]
    if mode == "ping":
        return ping(argv[2], int(argv[3]), float(argv[4]), float(argv[5]))
    if mode == "mcast-recv":
        return mcast_recv(argv[2], int(argv[3]), argv[4], float(argv[5]))
    if mode == "mcast-send":
        return mcast_send(argv[2], int(argv[3]), argv[4], int(argv[5]), float(argv[6]))
    print("unknown mode " + mode, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
"""";

    /// <summary>Sends <paramref name="count"/> ICMP echo requests from a host to an address; counts the replies.</summary>
    public static async Task<PingResult> PingAsync(
        NetnsHost from,
        System.Net.IPAddress to,
        int count,
        TimeSpan interval,
        CancellationToken cancellationToken)
    {
        var seconds = interval.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        var result = await from.RunAsync(
            [Python, ScriptPath(from), "ping", to.ToString(), count.ToString(), seconds, "1"],
            null,
            null,
            TimeSpan.FromSeconds(30) + (interval * count),
            cancellationToken);
        var parts = result.Stdout.Trim().Split(' ');
        if (parts.Length != 4 || parts[0] != "sent" || parts[2] != "received")
        {
            throw new InvalidOperationException($"ping probe printed '{result.Stdout.Trim()}', stderr '{result.Stderr.Trim()}'");
        }

        return new PingResult(int.Parse(parts[1]), int.Parse(parts[3]));
    }

    /// <summary>
    /// True when a multicast datagram sent by <paramref name="from"/> to 224.0.0.251:5353 reaches a receiver on
    /// <paramref name="to"/> within <paramref name="wait"/> (the sender repeats every 100 ms meanwhile).
    /// </summary>
    public static async Task<bool> MulticastReachesAsync(NetnsHost from, NetnsHost to, TimeSpan wait, CancellationToken cancellationToken)
    {
        var token = "pm-" + Guid.NewGuid().ToString("N")[..12];
        var seconds = wait.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        await using var receiver = to.StartProcess(
            [Python, ScriptPath(to), "mcast-recv", MulticastGroup, MulticastPort.ToString(), token, seconds], "mcast-recv");
        await Poll.UntilAsync(
            $"the multicast receiver on {to} is ready",
            () => receiver.ReadStdout().Contains("ready", StringComparison.Ordinal) || receiver.HasExited,
            TimeSpan.FromSeconds(10),
            cancellationToken,
            describe: receiver.ReadStderr);
        var sends = Math.Max(1, (int)(wait.TotalMilliseconds / 100));
        await from.RunAsync(
            [Python, ScriptPath(from), "mcast-send", MulticastGroup, MulticastPort.ToString(), token, sends.ToString(), "0.1"],
            null,
            null,
            wait + TimeSpan.FromSeconds(30),
            cancellationToken);
        var exit = await receiver.WaitForExitAsync(cancellationToken);
        return exit == 0 && receiver.ReadStdout().Contains("received " + token, StringComparison.Ordinal);
    }

    private static string Python { get; } = CommandRunner.FindTool("python3");

    private static string ScriptPath(NetnsHost host)
    {
        var path = Path.Combine(host.WorkDirectory, "netprobe.py");
        if (!File.Exists(path))
        {
            File.WriteAllText(path, Script);
        }

        return path;
    }
}
