using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerMesh.Cli.Control;
using PeerMesh.Cli.Logging;
using PeerMesh.Cli.Settings;
using PeerMesh.Cli.Web;
using PeerMesh.Discovery.Mdns;
using PeerMesh.Mesh.Gossip;
using PeerMesh.Mesh.Identity;
using PeerMesh.Mesh.Membership;
using PeerMesh.Mesh.Options;
using PeerMesh.Mesh.Security;
using PeerMesh.Mesh.Transport;
using PeerMesh.Mesh.Wire;
using PeerMesh.Sync;
using PeerMesh.Sync.Health;
using PeerMesh.Sync.LocalRepo;
using PeerMesh.Sync.Serving;

namespace PeerMesh.Cli.Node;

/// <summary>
/// The node's life inside the Generic Host, and the one place where Mesh, Discovery and Sync meet: it builds the
/// parts and starts them in dependency order (serving, gossip, sync, discovery, then control and the dashboard,
/// which read the others through <see cref="NodeStatusBuilder"/> and <see cref="ControlDispatcher"/>); stopping
/// runs in reverse.
/// </summary>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "A hosted service: the parts live from StartAsync to StopAsync, which the host runs on every path, also after a failed or cancelled start (UpCommand).")]
internal sealed partial class NodeService : IHostedService
{
    /// <summary>The git daemon serves the one repository at its root.</summary>
    public const string RepoPathOnDaemon = "/";

    private readonly LocalRepository _repo;
    private readonly NodeSettings _settings;
    private readonly NodeIdentity _identity;
    private readonly GitDaemonSupervisor _daemon;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<NodeService> _logger;
    private MeshNode? _mesh;
    private SyncService? _sync;
    private NodeSeeds? _seeds;
    private MdnsDiscovery? _mdns;
    private ControlServer? _control;
    private WebDashboard? _dashboard;

    public NodeService(
        LocalRepository repo,
        NodeSettings settings,
        NodeIdentity identity,
        GitDaemonSupervisor daemon,
        IHostApplicationLifetime lifetime,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        _repo = repo;
        _settings = settings;
        _identity = identity;
        _daemon = daemon;
        _lifetime = lifetime;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<NodeService>();
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var startedAt = _time.GetUtcNow();
        if (LibGit2Check.Warning(LibGit2Check.Read()) is { } warning)
        {
            LogLibGit2(warning);
        }

        await _daemon.StartAsync(cancellationToken);

        var options = GossipOptions();
        var mesh = _mesh = CreateMesh(options);
        await mesh.StartAsync(cancellationToken);

        var sync = _sync = CreateSync(mesh);
        await sync.StartAsync(cancellationToken);

        var seeds = _seeds = new NodeSeeds(_settings.Peers, _repo.StateDirectory, mesh, _time, _loggers);
        await seeds.StartAsync(cancellationToken);

        if (_settings.Mdns)
        {
            _mdns = new MdnsDiscovery(new MdnsOptions(), Advertisement(mesh, options), mesh, _time, _loggers.CreateLogger<MdnsDiscovery>());
            await _mdns.StartAsync(cancellationToken);
        }

        var status = new NodeStatusBuilder(_identity, _settings, _repo, _daemon, mesh, sync, seeds, _mdns, _time, startedAt);
        var dispatcher = new ControlDispatcher(status, sync, _lifetime, _loggers.CreateLogger<ControlDispatcher>());
        _control = new ControlServer(ControlPaths.SocketPath(_repo.StateDirectory), dispatcher.HandleAsync, _loggers.CreateLogger<ControlServer>());
        _control.Start();
        ControlPaths.RecordBoundPath(_repo.StateDirectory, _control.Path);
        if (_settings.Dashboard is { } endPoint)
        {
            _dashboard = new WebDashboard(endPoint, status.Build, new RecentPeerCommits(mesh, sync, _repo.GitDirectory).Read);
            await _dashboard.StartAsync(cancellationToken);
            LogDashboard(_dashboard.Address);
        }

        LogServing(_repo.Name, status.RepoUrl, _identity.Id[..8], _settings.Name, mesh.LocalEndPoint.Port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_dashboard is not null)
        {
            await _dashboard.DisposeAsync();
        }

        if (_control is not null)
        {
            await _control.DisposeAsync();
        }

        ControlPaths.ForgetBoundPath(_repo.StateDirectory);
        if (_mdns is not null)
        {
            await _mdns.DisposeAsync();
        }

        if (_seeds is not null)
        {
            await _seeds.DisposeAsync();
        }

        if (_sync is not null)
        {
            await _sync.DisposeAsync();
        }

        if (_mesh is not null)
        {
            // Announces the leave, so peers stop at once.
            await _mesh.DisposeAsync();
        }

        await _daemon.StopAsync(cancellationToken);
        LogStopped();
    }

    private MeshOptions GossipOptions()
    {
        var options = MeshOptions.Lan();
        options.GossipPort = _settings.GossipPort;
        options.ListenAddress = _settings.Listen ?? IPAddress.IPv6Any;
        options.MeshKeys = ReadMeshKeys();
        return options;
    }

    private MeshNode CreateMesh(MeshOptions options)
    {
        UdpTransport transport;
        try
        {
            transport = UdpTransport.Bind(options.ListenAddress, options.GossipPort, _time, _loggers.CreateLogger<UdpTransport>());
        }
        catch (SocketException e)
        {
            throw new CliException($"cannot open the gossip port {options.GossipPort}: {MessageText.Inline(e.Message)}; choose another with --gossip-port, or 0 for any free port", ExitCodes.Failure);
        }

        var mesh = new MeshNode(options, _identity, _settings.Name, transport, _time, _loggers.CreateLogger<MeshNode>());
        mesh.SetLocalGitPort(_daemon.Status.Port);
        mesh.SetLocalRepos([Announcement()]);
        return mesh;
    }

    private SyncService CreateSync(MeshNode mesh)
    {
        try
        {
            return new SyncService(new SyncOptions { FetchInterval = _settings.FetchInterval }, _repo.GitDirectory, _repo.RepoId, mesh, mesh, _time, _loggers);
        }
        catch (FormatException e)
        {
            // peermesh.trust is checked before start; this is an edit made in the second since.
            throw new CliException(e.Message, ExitCodes.Usage);
        }
    }

    private MdnsAdvertisement Advertisement(MeshNode mesh, MeshOptions options)
    {
        // Meshes with different keys must ignore each other on mDNS too: the key's hash joins the mesh id.
        // Hash of the sealing key: during a rotation, nodes that seal with different keys meet through seeds and gossip.
        var keys = options.MeshKeys;
        var mdnsMeshId = keys.Count == 0 ? options.MeshId : $"{options.MeshId}:{Convert.ToHexStringLower(SHA256.HashData(keys[0]))[..16]}";
        return new MdnsAdvertisement(_identity.Id, _settings.Name, mdnsMeshId, mesh.LocalEndPoint.Port, _daemon.Status.Port, [Announcement()]);
    }

    private RepoAnnouncement Announcement() => new(_repo.RepoId, WireValidation.ToDisplayName(_repo.Name), RepoPathOnDaemon, "", 0);

    private IReadOnlyList<byte[]> ReadMeshKeys()
    {
        var keys = new List<byte[]>();
        foreach (var file in _settings.MeshKeyFiles)
        {
            try
            {
                keys.Add(MeshKeyFile.Read(file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                throw new CliException($"cannot use the mesh key file {file}: {e.Message}", ExitCodes.Usage);
            }
        }

        return keys;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "serving {Repo} at {Url} as node {Id} ({Name}), gossip on UDP {GossipPort}")]
    private partial void LogServing(string repo, string url, string id, string name, int gossipPort);

    [LoggerMessage(Level = LogLevel.Information, Message = "dashboard at {Address}")]
    private partial void LogDashboard(Uri address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private partial void LogLibGit2(string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "node stopped")]
    private partial void LogStopped();
}
