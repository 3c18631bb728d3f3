using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using PeerMesh.Cli.Control;
using PeerMesh.Cli.Home;
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
using PeerMesh.Sync;
using PeerMesh.Sync.Health;
using PeerMesh.Sync.LocalRepo;
using PeerMesh.Sync.Serving;
using PeerMesh.Sync.SignedRefs;

namespace PeerMesh.Cli.Node;

/// <summary>
/// The node's life (from <c>up</c>, see <c>UpCommand.RunNodeAsync</c>), and the one place where Mesh, Discovery and Sync meet: it builds the
/// node's parts once (one git daemon, one mesh, one discovery) and starts them in dependency order (serving, gossip,
/// the served repositories with a Sync each, seeds, discovery, then control and the dashboard, which read the others
/// through <see cref="NodeStatusBuilder"/> and <see cref="ControlDispatcher"/>); stopping runs in reverse. Repositories
/// come and go while it runs through <see cref="NodeRepositories"/>, which tells discovery here.
/// </summary>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The parts live from StartAsync to StopAsync, which up runs on every path, also after a failed or cancelled start (UpCommand).")]
internal sealed partial class NodeService
{
    private readonly NodeHome _home;
    private readonly NodeSettings _settings;
    private readonly NodeIdentity _identity;
    private readonly GitDaemonSupervisor _daemon;
    private readonly InitialRepos _initial;
    private readonly NodeLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<NodeService> _logger;
    private MeshNode? _mesh;
    private NodeRepositories? _repos;
    private NodeSeeds? _seeds;
    private MdnsDiscovery? _mdns;
    private ControlServer? _control;
    private HeapTrimmer? _heapTrim;
    private WebDashboard? _dashboard;

    public NodeService(
        NodeHome home,
        NodeSettings settings,
        NodeIdentity identity,
        GitDaemonSupervisor daemon,
        InitialRepos initial,
        NodeLifetime lifetime,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        _home = home;
        _settings = settings;
        _identity = identity;
        _daemon = daemon;
        _initial = initial;
        _lifetime = lifetime;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<NodeService>();
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var startedAt = _time.GetUtcNow();
        LibGit2Limits.Apply();
        var heapTrim = _heapTrim = new HeapTrimmer(_time, GlibcHeap.Trim);
        if (LibGit2Check.Warning(LibGit2Check.Read()) is { } warning)
        {
            LogLibGit2(warning);
        }

        await _daemon.StartAsync(cancellationToken);

        var options = GossipOptions();
        var mesh = _mesh = CreateMesh(options);
        await mesh.StartAsync(cancellationToken);

        var repos = _repos = new NodeRepositories(_home, new SyncOptions { FetchInterval = _settings.FetchInterval }, _daemon, mesh, _time, _loggers, heapTrim.FetchEnded)
        {
            Author = new SignedRefsAuthor(_identity, _settings.Name),
        };
        await AddInitialAsync(repos, cancellationToken);

        var seeds = _seeds = new NodeSeeds(_settings.Peers, _home.Directory, mesh, _time, _loggers);
        await seeds.StartAsync(cancellationToken);

        if (_settings.Mdns)
        {
            var mdns = _mdns = new MdnsDiscovery(new MdnsOptions(), Advertisement(mesh, options, repos.Announcements), mesh, _time, _loggers.CreateLogger<MdnsDiscovery>());
            repos.Changed = announced => mdns.UpdateAdvertisement(Advertisement(mesh, options, announced));
            await mdns.StartAsync(cancellationToken);
        }

        var status = new NodeStatusBuilder(_identity, _settings, repos, _daemon, mesh, seeds, _mdns, _time, startedAt);
        var dispatcher = new ControlDispatcher(status, repos, _lifetime, _loggers.CreateLogger<ControlDispatcher>());
        _control = new ControlServer(ControlPaths.SocketPath(_home.Directory), dispatcher.HandleAsync, _loggers.CreateLogger<ControlServer>());
        _control.Start();
        ControlPaths.RecordBoundPath(_home.Directory, _control.Path);
        if (_settings.Dashboard is { } endPoint)
        {
            _dashboard = new WebDashboard(endPoint, status.Build, () => [.. repos.Current.SelectMany(r => r.Commits.Read())]);
            await _dashboard.StartAsync(cancellationToken);
            LogDashboard(_dashboard.Address);
        }

        LogStarted(_identity.Id[..8], _settings.Name, _daemon.Status.Port, mesh.LocalEndPoint.Port, _home.Directory);
        foreach (var repo in repos.Current)
        {
            LogServing(repo.Entry.Path, status.RepoUrl(repo));
        }
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

        ControlPaths.ForgetBoundPath(_home.Directory);
        if (_mdns is not null)
        {
            await _mdns.DisposeAsync();
        }

        if (_seeds is not null)
        {
            await _seeds.DisposeAsync();
        }

        if (_repos is not null)
        {
            await _repos.DisposeAsync();
        }

        if (_mesh is not null)
        {
            // Announces the leave, so peers stop at once.
            await _mesh.DisposeAsync();
        }

        await _daemon.StopAsync(cancellationToken);

        // Last: the repositories' fetches tell the trimmer when they end, so it outlives them (a disposed timer's Change
        // only returns false, so this is order, not a fix for anything seen).
        _heapTrim?.Dispose();
        LogStopped();
    }

    /// <summary>
    /// What the home served before, then the repository <c>up</c> was given. One of the saved ones that cannot be
    /// served now (gone, no longer a repository) is left out with a warning, and the others start; the one given must
    /// start, or <c>up</c> fails with its one-line error.
    /// </summary>
    private async Task AddInitialAsync(NodeRepositories repos, CancellationToken cancellationToken)
    {
        foreach (var saved in _initial.Saved)
        {
            try
            {
                await repos.AddAsync(NodeRepository.Open(saved.Path), saved.Name, cancellationToken);
            }
            catch (CliException e)
            {
                LogSavedSkipped(saved.Path, e.Message);
            }
        }

        if (_initial.Given is { } given)
        {
            await repos.AddAsync(given, null, cancellationToken);
        }
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
        return mesh;
    }

    private MdnsAdvertisement Advertisement(MeshNode mesh, MeshOptions options, IReadOnlyList<RepoAnnouncement> repos)
    {
        // Meshes with different keys must ignore each other on mDNS too: the key's hash joins the mesh id.
        // Hash of the sealing key: during a rotation, nodes that seal with different keys meet through seeds and gossip.
        var keys = options.MeshKeys;
        var mdnsMeshId = keys.Count == 0 ? options.MeshId : $"{options.MeshId}:{Convert.ToHexStringLower(Sha256Digest.Of(keys[0]))[..16]}";
        return new MdnsAdvertisement(_identity.Id, _settings.Name, mdnsMeshId, mesh.LocalEndPoint.Port, _daemon.Status.Port, [.. repos]);
    }

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

    [LoggerMessage(Level = LogLevel.Information, Message = "node {Id} ({Name}) up: git daemon on port {GitPort}, gossip on UDP {GossipPort}, home {Home}")]
    private partial void LogStarted(string id, string name, int gitPort, int gossipPort, string home);

    [LoggerMessage(Level = LogLevel.Information, Message = "serving {Path} at {Url}")]
    private partial void LogServing(string path, string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "not serving {Path}, served before: {Reason}")]
    private partial void LogSavedSkipped(string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "dashboard at {Address}")]
    private partial void LogDashboard(Uri address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private partial void LogLibGit2(string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "node stopped")]
    private partial void LogStopped();
}
