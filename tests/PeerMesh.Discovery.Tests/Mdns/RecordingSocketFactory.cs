using System.Net.Sockets;
using PeerMesh.Discovery.Mdns.Sockets;

namespace PeerMesh.Discovery.Tests.Mdns;

/// <summary>Keeps every socket it creates, so a test can break one.</summary>
internal sealed class RecordingSocketFactory(IMdnsSocketFactory inner) : IMdnsSocketFactory
{
    private readonly List<Socket> _created = [];

    public IReadOnlyList<Socket> Created
    {
        get
        {
            lock (_created)
            {
                return _created.ToList();
            }
        }
    }

    public Socket Create(AddressFamily addressFamily)
    {
        var socket = inner.Create(addressFamily);
        lock (_created)
        {
            _created.Add(socket);
        }

        return socket;
    }
}
