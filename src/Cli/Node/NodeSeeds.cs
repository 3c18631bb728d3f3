using Microsoft.Extensions.Logging;
using PeerMesh.Discovery.Seeds;
using PeerMesh.Mesh.Gossip;

namespace PeerMesh.Cli.Node;

/// <summary>
/// The non-multicast ways in: static seeds (<c>--peer</c>, <c>peermesh.peer</c>), retried until joined,
/// and the peers of the previous run (<c>.git/peermesh/last-known-peers.json</c>), offered once at start
/// and saved while running.
/// </summary>
internal sealed class NodeSeeds : IAsyncDisposable
{
    private const string LastKnownFileName = "last-known-peers.json";

    private readonly SeedJoiner _joiner;
    private readonly LastKnownPeers _lastKnown;
    private readonly MeshNode _mesh;

    public NodeSeeds(IReadOnlyList<string> seeds, string stateDirectory, MeshNode mesh, TimeProvider time, ILoggerFactory loggers)
    {
        _mesh = mesh;
        _joiner = new SeedJoiner(seeds.Select(s => SeedAddress.Parse(s)), mesh, mesh, time, loggers.CreateLogger<SeedJoiner>());
        _lastKnown = new LastKnownPeers(Path.Combine(stateDirectory, LastKnownFileName), mesh, time, loggers.CreateLogger<LastKnownPeers>());
    }

    public IReadOnlyList<SeedStatus> Status => _joiner.Status;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _lastKnown.OfferAll(_mesh);
        await _lastKnown.StartAsync(cancellationToken);
        await _joiner.StartAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _joiner.DisposeAsync();
        await _lastKnown.DisposeAsync();
    }
}
