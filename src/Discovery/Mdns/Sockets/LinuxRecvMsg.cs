using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace PeerMesh.Discovery.Mdns.Sockets;

/// <summary>
/// recvmsg(2) on Linux for what .NET's ReceiveMessageFrom does not return: the received IP TTL
/// (IP_RECVTTL) or IPv6 hop limit (IPV6_RECVHOPLIMIT), next to the interface index (IP_PKTINFO /
/// IPV6_PKTINFO) and the source address.
/// </summary>
internal static unsafe partial class LinuxRecvMsg
{
    private const int IpProtoIp = 0;
    private const int IpTtl = 2;
    private const int IpPktInfo = 8;
    private const int IpRecvTtl = 12;
    private const int IpProtoIpv6 = 41;
    private const int Ipv6PktInfo = 50;
    private const int Ipv6RecvHopLimit = 51;
    private const int Ipv6HopLimit = 52;
    private const int AfInet6 = 10;
    private const int MsgDontWait = 0x40;
    private const int EAgain = 11;
    private const int EIntr = 4;

    /// <summary>Asks the kernel to attach the TTL to every received datagram.</summary>
    public static void EnableReceiveTtl(Socket socket)
    {
        Span<byte> one = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(one, 1);
        socket.SetRawSocketOption(IpProtoIp, IpRecvTtl, one);
    }

    /// <summary>Asks the kernel to attach the hop limit to every received IPv6 datagram.</summary>
    public static void EnableReceiveHopLimit(Socket socket)
    {
        Span<byte> one = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(one, 1);
        socket.SetRawSocketOption(IpProtoIpv6, Ipv6RecvHopLimit, one);
    }

    /// <summary>
    /// Reads one datagram without blocking. Returns false when none is queued; throws
    /// <see cref="SocketException"/> for a real error (the caller restarts the loop).
    /// </summary>
    public static bool TryReceive(Socket socket, byte[] buffer, out int length, out IPEndPoint source, out int interfaceIndex, out int? ttl)
    {
        length = 0;
        source = new IPEndPoint(IPAddress.Any, 0);
        interfaceIndex = 0;
        ttl = null;
        // sockaddr_in6 (28 bytes) is the larger of the two.
        var name = stackalloc byte[28];
        var control = stackalloc byte[128];
        fixed (byte* data = buffer)
        {
            var iov = new IoVec { Base = data, Length = (nuint)buffer.Length };
            var header = new MsgHdr { Name = name, NameLength = 28, Iov = &iov, IovLength = 1, Control = control, ControlLength = 128 };
            nint received;
            do
            {
                received = RecvMsg((int)socket.Handle, &header, MsgDontWait);
            }
            while (received < 0 && Marshal.GetLastPInvokeError() == EIntr);

            if (received < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EAgain)
                {
                    return false;
                }

                throw new SocketException(errno);
            }

            length = (int)received;
            var port = (name[2] << 8) | name[3];
            var family = *(ushort*)name;
            source = family == AfInet6
                ? new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(name + 8, 16), *(uint*)(name + 24)), port)
                : new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(name + 4, 4)), port);
            var headerSize = Align((nuint)sizeof(CmsgHdr));
            nuint offset = 0;
            while (offset + headerSize <= header.ControlLength)
            {
                var cmsg = (CmsgHdr*)(control + offset);
                if (cmsg->Length < headerSize || offset + cmsg->Length > header.ControlLength)
                {
                    break;
                }

                var payload = (byte*)cmsg + headerSize;
                if (cmsg->Level == IpProtoIp && cmsg->Type == IpTtl)
                {
                    ttl = *(int*)payload;
                }
                else if (cmsg->Level == IpProtoIp && cmsg->Type == IpPktInfo)
                {
                    interfaceIndex = *(int*)payload;
                }
                else if (cmsg->Level == IpProtoIpv6 && cmsg->Type == Ipv6HopLimit)
                {
                    ttl = *(int*)payload;
                }
                else if (cmsg->Level == IpProtoIpv6 && cmsg->Type == Ipv6PktInfo)
                {
                    // in6_pktinfo: 16-byte destination address, then the interface index.
                    interfaceIndex = *(int*)(payload + 16);
                }

                offset += Align(cmsg->Length);
            }
        }

        return true;
    }

    private static nuint Align(nuint length) => (length + (nuint)sizeof(nuint) - 1) & ~((nuint)sizeof(nuint) - 1);

    [LibraryImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static partial nint RecvMsg(int fd, MsgHdr* message, int flags);

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public byte* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public byte* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }
}
