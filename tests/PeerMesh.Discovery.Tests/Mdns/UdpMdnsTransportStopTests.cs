using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Discovery.Mdns.Sockets;
using Xunit;

namespace PeerMesh.Discovery.Tests.Mdns;

/// <summary>
/// Stopping the transport while its interface poll runs on the timer's thread. Found as a node that ended with
/// SIGABRT (exit 134) at `down`: the poll outlived the stop and touched what the stop had disposed, and an exception in
/// a timer callback aborts the process. The socket is bound to an ephemeral port and joins the group on loopback only
/// (the interface the poll finds); nothing is sent.
/// </summary>
public sealed class UdpMdnsTransportStopTests
{
    [Fact]
    public async Task DisposeAsync_WhileAPollListsInterfaces_WaitsForItAndNothingRunsAfter()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        using var interfaces = new BlockingInterfaceProvider();
        var handler = new CountingHandler();
        var options = new MdnsOptions { Port = 0 };
        await using var transport = new UdpMdnsFamilyTransport(
            AddressFamily.InterNetwork, options, interfaces, new PlainSocketFactory(), time, NullLogger.Instance, new MdnsCounters());
        await transport.StartAsync(handler, ct);
        interfaces.BlockNext();

        // The poll runs inside Advance, on this task, and blocks in the interface listing.
        var poll = Task.Run(() => time.Advance(options.InterfacePollInterval), ct);
        await interfaces.Blocked.Task.WaitAsync(ct);
        var disposing = transport.DisposeAsync().AsTask();
        interfaces.Release();

        await disposing.WaitAsync(ct);
        Assert.Equal(1, handler.InterfaceChanges); // the poll that was running ended before the stop did
        await poll.WaitAsync(ct); // an exception of the poll's, had it hit something the stop disposed, surfaces here

        time.Advance(options.InterfacePollInterval * 3);
        Assert.Equal(2, interfaces.Calls); // the start's look and the poll's: none after the stop
        Assert.Equal(1, handler.InterfaceChanges);
    }

    private sealed class BlockingInterfaceProvider : INetworkInterfaceProvider, IDisposable
    {
        private static readonly MdnsInterface s_loopback = new(1, "lo", [IPAddress.Loopback]);
        private readonly ManualResetEventSlim _release = new(true);
        private int _calls;

        public TaskCompletionSource Blocked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls => Volatile.Read(ref _calls);

        public void BlockNext() => _release.Reset();

        public void Release() => _release.Set();

        public IReadOnlyList<MdnsInterface> GetInterfaces()
        {
            Interlocked.Increment(ref _calls);
            if (!_release.IsSet)
            {
                Blocked.TrySetResult();
                _release.Wait();
            }

            return Volatile.Read(ref _calls) == 1 ? [] : [s_loopback];
        }

        public void Dispose() => _release.Dispose();
    }

    private sealed class PlainSocketFactory : IMdnsSocketFactory
    {
        public Socket Create(AddressFamily addressFamily) => new(addressFamily, SocketType.Dgram, ProtocolType.Udp);
    }

    private sealed class CountingHandler : IMdnsPacketHandler
    {
        private int _interfaceChanges;

        public int InterfaceChanges => Volatile.Read(ref _interfaceChanges);

        public void OnPacket(MdnsPacket packet)
        {
        }

        public void OnInterfacesChanged(IReadOnlyList<MdnsInterface> interfaces) => Interlocked.Increment(ref _interfaceChanges);
    }
}
