using System.Net;
using System.Net.Sockets;

namespace PeerMesh.TestSupport.Netns;

/// <summary>
/// Plain network probes run inside hosts, to test the bed itself without PeerMesh: ICMP echo and multicast
/// send/receive. Pings and multicast sends come from a small stdlib-only python3 script (ping(8) is not installed
/// on every machine); multicast is received by a socket this process opens in the receiving host.
/// </summary>
public static class NetProbe
{
    /// <summary>The mDNS group and port, which the multicast probe uses (TTL 255, as mDNS does).</summary>
    public const string MulticastGroup = "224.0.0.251";

    public const int MulticastPort = 5353;

    private const string Script = """"
"""Small network probes for the PeerMesh netns test bed (ICMP ping, multicast send).

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


def mcast_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    return sock


def mcast_send(group, port, token, count, interval):
    sock = mcast_socket()
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
    /// How long the receiver of <see cref="MulticastReachesAsync"/> keeps listening after the sender has ended: what
    /// was sent is then at most crossing the veths and the bridge or waiting in the socket, so this only covers a
    /// loaded machine running the kernel's receive work late.
    /// </summary>
    public static readonly TimeSpan ArrivalGrace = TimeSpan.FromSeconds(1);

    /// <summary>
    /// True when a multicast datagram sent by <paramref name="from"/> to 224.0.0.251:5353 reaches a socket joined to
    /// the group on <paramref name="to"/>. The sender, a process in <paramref name="from"/>, sends every 100 ms for
    /// <paramref name="sendFor"/> from when it has started. The receiver, a socket of this process opened in
    /// <paramref name="to"/> and joined before the sender starts, listens until the sender has ended plus
    /// <see cref="ArrivalGrace"/> (not for a fixed time: a sender slow to start under load is still heard in full),
    /// and stops both at the first datagram. False also when <paramref name="to"/> cannot join the group at all.
    /// </summary>
    public static async Task<bool> MulticastReachesAsync(NetnsHost from, NetnsHost to, TimeSpan sendFor, CancellationToken cancellationToken)
    {
        var token = "pm-" + Guid.NewGuid().ToString("N")[..12];
        using var thread = to.StartThread();
        using var socket = thread.Invoke(OpenReceiver);
        if (socket is null)
        {
            return false;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var received = ReceiveAsync(socket, System.Text.Encoding.ASCII.GetBytes(token), stop.Token);
        var sends = Math.Max(1, (int)(sendFor.TotalMilliseconds / 100));
        var sender = from.RunAsync(
            [Python, ScriptPath(from), "mcast-send", MulticastGroup, MulticastPort.ToString(), token, sends.ToString(), "0.1"],
            null,
            null,
            sendFor + TimeSpan.FromSeconds(30),
            stop.Token);
        if (await Task.WhenAny(received, sender) == received && await received)
        {
            await stop.CancelAsync();
            try
            {
                await sender;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Stopped early: it was heard.
            }

            return true;
        }

        (await sender).EnsureSuccess("the multicast sender");
        stop.CancelAfter(ArrivalGrace);
        return await received;
    }

    /// <summary>A UDP socket on port 5353 joined to the group (on the interface its route names), or null if it cannot join.</summary>
    private static Socket? OpenReceiver()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Any, MulticastPort));
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(IPAddress.Parse(MulticastGroup), IPAddress.Any));
            return socket;
        }
        catch (SocketException)
        {
            // No route to the group (a host whose multicast is blocked): nothing can reach it.
            socket.Dispose();
            return null;
        }
    }

    private static async Task<bool> ReceiveAsync(Socket socket, byte[] token, CancellationToken cancellationToken)
    {
        var buffer = new byte[2048];
        try
        {
            while (true)
            {
                var length = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (buffer.AsSpan(0, length).SequenceEqual(token))
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
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
