using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerMesh.Cli.Control;
using PeerMesh.Cli.Settings;
using PeerMesh.Cli.Status;
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
using PeerMesh.Sync.Remotes;
using PeerMesh.Sync.Serving;

namespace PeerMesh.Cli.Node;

/// <summary>
/// The node's life inside the Generic Host, and the place where Mesh, Discovery and Sync meet.
/// Everything that must work before the node counts as up is started in <see cref="StartAsync"/>,
/// in dependency order (serving, gossip, sync, discovery, control); stopping runs in reverse.
/// </summary>
internal sealed partial class NodeService : IHostedService
{
    private const string RepoPathOnDaemon = "/";

    /// <summary>mDNS announces twice in the first second and browses at once; 10 s is well past both.</summary>
    private static readonly TimeSpan s_mdnsGracePeriod = TimeSpan.FromSeconds(10);

    private readonly LocalRepository _repo;
    private readonly NodeSettings _settings;
    private readonly NodeIdentity _identity;
    private readonly GitDaemonSupervisor _daemon;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<NodeService> _logger;
    private readonly ControlServer _control;
    private DateTimeOffset _startedAt;
    private MeshNode? _mesh;
    private SyncService? _sync;
    private MdnsDiscovery? _mdns;
    private NodeSeeds? _seeds;
    private WebDashboard? _dashboard;
    private IReadOnlyList<byte[]> _meshKeys = [];
    private volatile Tuple<string, IReadOnlyList<PeerCommits>>? _commitsCache;

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
        _control = new ControlServer(ControlPaths.SocketPath(repo.StateDirectory), HandleAsync, loggers.CreateLogger<ControlServer>());
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _startedAt = _time.GetUtcNow();
        if (LibGit2Check.Warning(LibGit2Check.Read()) is { } warning)
        {
            LogLibGit2(warning);
        }

        await _daemon.StartAsync(cancellationToken);

        var options = MeshOptions.Lan();
        options.GossipPort = _settings.GossipPort;
        options.ListenAddress = _settings.Listen ?? IPAddress.IPv6Any;
        _meshKeys = ReadMeshKeys();
        options.MeshKeys = _meshKeys;
        UdpTransport transport;
        try
        {
            transport = UdpTransport.Bind(options.ListenAddress, options.GossipPort, _time, _loggers.CreateLogger<UdpTransport>());
        }
        catch (SocketException e)
        {
            throw new CliException($"cannot open the gossip port {options.GossipPort}: {e.Message}; choose another with --gossip-port, or 0 for any free port", ExitCodes.Failure);
        }

        _mesh = new MeshNode(options, _identity, _settings.Name, transport, _time, _loggers.CreateLogger<MeshNode>());
        _mesh.SetLocalGitPort(_daemon.Status.Port);
        _mesh.SetLocalRepos([new RepoAnnouncement(_repo.RepoId, WireValidation.ToDisplayName(_repo.Name), RepoPathOnDaemon, "", 0)]);
        await _mesh.StartAsync(cancellationToken);

        var syncOptions = new SyncOptions { FetchInterval = _settings.FetchInterval };
        try
        {
            _sync = new SyncService(syncOptions, _repo.GitDirectory, _repo.RepoId, _mesh, _mesh, _time, _loggers);
        }
        catch (FormatException e)
        {
            // peermesh.trust is checked before start; this is an edit made in the second since.
            throw new CliException(e.Message, ExitCodes.Usage);
        }

        await _sync.StartAsync(cancellationToken);

        _seeds = new NodeSeeds(_settings.Peers, _repo.StateDirectory, _mesh, _time, _loggers);
        await _seeds.StartAsync(cancellationToken);

        if (_settings.Mdns)
        {
            _mdns = new MdnsDiscovery(new MdnsOptions(), Advertisement(options.MeshId), _mesh, _time, _loggers.CreateLogger<MdnsDiscovery>());
            await _mdns.StartAsync(cancellationToken);
        }

        _control.Start();
        ControlPaths.RecordBoundPath(_repo.StateDirectory, _control.Path);
        if (_settings.Dashboard is { } endPoint)
        {
            _dashboard = new WebDashboard(endPoint, BuildStatus, RecentPeerCommits);
            await _dashboard.StartAsync(cancellationToken);
            LogDashboard(_dashboard.Address);
        }

        LogServing(_repo.Name, RepoUrl(), _identity.Id[..8], _settings.Name, _mesh.LocalEndPoint.Port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_dashboard is not null)
        {
            await _dashboard.DisposeAsync();
        }

        await _control.StopAsync();
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

    internal StatusDocument BuildStatus()
    {
        var serving = _daemon.Status;
        var members = _mesh?.Current.Members ?? [];
        var sync = _sync?.GetStatus();
        var peers = members.Select(m => PeerStatusMapper.Map(m, sync?.Peers.FirstOrDefault(p => p.NodeId == m.Id), sync?.IsTrusted(m.Id) ?? true)).ToList();
        var mdns = _mdns?.Status ?? MdnsStatus.Disabled;
        var statistics = _mesh?.Statistics;
        var drops = statistics is null ? new Dictionary<string, long>(StringComparer.Ordinal) : new Dictionary<string, long>(statistics.Drops, StringComparer.Ordinal);
        foreach (var (reason, count) in mdns.Drops)
        {
            drops["mdns-" + reason] = count;
        }

        return new StatusDocument(
            StatusDocument.CurrentVersion,
            new NodeStatus(_identity.Id, _settings.Name, _mesh?.LocalEndPoint.Port ?? 0, _mesh?.IsEncrypted == true ? "sealed" : "open", _startedAt, sync?.Trust?.NodeIds ?? []),
            new ServingInfo(serving.Up, serving.Port, serving.Restarts, serving.LastError),
            [new RepoStatus(_repo.RepoId, _repo.Name, RepoUrl(), RepoPathOnDaemon, RepositoryError(), PeerStatusMapper.RemoteCap(sync))],
            peers,
            MdnsHealth(mdns, members),
            new GossipInfo(statistics?.DatagramsIn ?? 0, statistics?.DatagramsOut ?? 0, drops, statistics?.BytesIn ?? 0, statistics?.BytesOut ?? 0));
    }

    /// <summary>
    /// HOSTILE 35: the repository moved or deleted under the running node. The node keeps gossiping and serving
    /// status; fetches fail with a local error (not the peer's) and resume once the repository is back.
    /// </summary>
    private string? RepositoryError() =>
        File.Exists(Path.Combine(_repo.GitDirectory, "HEAD"))
            ? null
            : $"repository not found at {_repo.WorkingDirectory} (moved or deleted?)";

    /// <summary>
    /// mDNS can look healthy from inside (sockets open, sends accepted) while multicast is dropped on the
    /// way. Peers known through gossip or seeds, none of them heard on mDNS after a grace period, say so.
    /// </summary>
    private DiscoveryInfo MdnsHealth(MdnsStatus mdns, IReadOnlyList<Member> members)
    {
        if (!mdns.Enabled)
        {
            return new DiscoveryInfo("off", null, _settings.Peers);
        }

        if (mdns.Degraded)
        {
            return new DiscoveryInfo("degraded", mdns.DegradedReason, _settings.Peers);
        }

        var live = members.Where(m => m.IsLive).ToList();
        var silent = _time.GetUtcNow() - _startedAt > s_mdnsGracePeriod && mdns.PeersFound == 0 && live.Count > 0 && !live.Any(m => m.FoundBy.HasFlag(DiscoverySource.Mdns));
        return silent
            ? new DiscoveryInfo("degraded", $"no mDNS answer from any of the {live.Count} peer(s) known through gossip or seeds; multicast may be blocked here", _settings.Peers)
            : new DiscoveryInfo("on", null, _settings.Peers);
    }

    /// <summary>
    /// Each peer's recent commits on shared branches. The dashboard asks every second; the answer only
    /// changes when a fetch lands or local branches move, so it is read from the repository only then.
    /// </summary>
    private IReadOnlyList<PeerCommits> RecentPeerCommits()
    {
        var members = _mesh?.Current.Members ?? [];
        var sync = _sync?.GetStatus();
        var peers = (sync?.Peers ?? []).Select(p => (Peer: p, Name: members.FirstOrDefault(m => m.Id == p.NodeId)?.Name ?? p.NodeId[..8])).ToList();
        var key = sync?.LocalRefsDigest + "|" + string.Join("|", peers.SelectMany(p => p.Peer.Remotes.Select(r => $"{p.Name}/{r.Remote}/{r.LastFetch?.At.UtcTicks}")));
        if (_commitsCache is { } cached && cached.Item1 == key)
        {
            return cached.Item2;
        }

        var result = peers
            .SelectMany(p => p.Peer.Remotes.Select(r => new PeerCommits(p.Peer.NodeId, p.Name, r.Remote, RecentCommits.Read(_repo.GitDirectory, r.Remote, perBranch: 5))))
            .ToList();
        _commitsCache = Tuple.Create(key, (IReadOnlyList<PeerCommits>)result);
        return result;
    }

    private MdnsAdvertisement Advertisement(string meshId)
    {
        // Meshes with different keys must ignore each other on mDNS too: the key's hash joins the mesh id.
        // Hash of the sealing key: during a rotation, nodes that seal with different keys meet through seeds and gossip.
        var mdnsMeshId = _meshKeys.Count == 0 ? meshId : $"{meshId}:{Convert.ToHexStringLower(SHA256.HashData(_meshKeys[0]))[..16]}";
        return new MdnsAdvertisement(
            _identity.Id,
            _settings.Name,
            mdnsMeshId,
            _mesh!.LocalEndPoint.Port,
            _daemon.Status.Port,
            [new RepoAnnouncement(_repo.RepoId, WireValidation.ToDisplayName(_repo.Name), RepoPathOnDaemon, "", 0)]);
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

    private string RepoUrl() => GitUrl.ForLocal(_settings.Listen, _daemon.Status.Port, RepoPathOnDaemon);

    private async Task<ControlResponse> HandleAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        switch (request.Command)
        {
            case "status":
                return ControlResponse.Success(JsonSerializer.SerializeToNode(BuildStatus(), ControlJson.Options));
            case "down":
                LogDownRequested();
                _lifetime.StopApplication();
                return ControlResponse.Success();
            case "fetch" when _sync is not null:
                var reports = await _sync.FetchNowAsync(request.Argument, cancellationToken);
                return reports.IsEmpty && request.Argument is not null
                    ? ControlResponse.Failure($"no managed remote named '{request.Argument}'")
                    : ControlResponse.Success(JsonSerializer.SerializeToNode(reports, ControlJson.Options));
            case "forget" when _sync is not null && request.Argument is not null:
                return _sync.Forget(request.Argument) switch
                {
                    ForgetResult.Removed => ControlResponse.Success(),
                    ForgetResult.NotManaged => ControlResponse.Failure($"'{request.Argument}' is your own remote, not one PeerMesh made; it was left alone"),
                    _ => ControlResponse.Failure($"no remote named '{request.Argument}'"),
                };
            default:
                return ControlResponse.Failure($"unknown command '{request.Command}'");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "serving {Repo} at {Url} as node {Id} ({Name}), gossip on UDP {GossipPort}")]
    private partial void LogServing(string repo, string url, string id, string name, int gossipPort);

    [LoggerMessage(Level = LogLevel.Information, Message = "dashboard at {Address}")]
    private partial void LogDashboard(Uri address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private partial void LogLibGit2(string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "stop requested by 'peermesh down'")]
    private partial void LogDownRequested();

    [LoggerMessage(Level = LogLevel.Information, Message = "node stopped")]
    private partial void LogStopped();
}
