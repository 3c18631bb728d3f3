using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerMesh.Cli.Control;
using PeerMesh.Cli.Settings;
using PeerMesh.Cli.Status;
using PeerMesh.Cli.Web;
using PeerMesh.Mesh.Identity;
using PeerMesh.Sync.Health;
using PeerMesh.Sync.LocalRepo;
using PeerMesh.Sync.Serving;

namespace PeerMesh.Cli.Node;

/// <summary>
/// The node's life inside the Generic Host: everything that must work before the node counts as up
/// is started in <see cref="StartAsync"/> (serving, control endpoint); stopping runs in reverse.
/// </summary>
internal sealed partial class NodeService : IHostedService
{
    private readonly LocalRepository _repo;
    private readonly NodeSettings _settings;
    private readonly NodeIdentity _identity;
    private readonly GitDaemonSupervisor _daemon;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly ILogger<NodeService> _logger;
    private readonly ControlServer _control;
    private DateTimeOffset _startedAt;
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
        _control.Start();
        if (_settings.Dashboard is { } endPoint)
        {
            _dashboard = new WebDashboard(endPoint, BuildStatus, () => []);
            await _dashboard.StartAsync(cancellationToken);
            LogDashboard(_dashboard.Address);
        }

        LogServing(_repo.Name, RepoUrl(), _identity.Id[..8], _settings.Name);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_dashboard is not null)
        {
            await _dashboard.DisposeAsync();
        }

        await _control.StopAsync();
        await _daemon.StopAsync(cancellationToken);
        LogStopped();
    }

    internal StatusDocument BuildStatus()
    {
        var serving = _daemon.Status;
        return new StatusDocument(
            StatusDocument.CurrentVersion,
            new NodeStatus(_identity.Id, _settings.Name, 0, _settings.MeshKeyFile is null ? "open" : "sealed", _startedAt),
            new ServingInfo(serving.Up, serving.Port, serving.Restarts, serving.LastError),
            [new RepoStatus(_repo.RepoId, _repo.Name, RepoUrl(), "/")],
            []);
    }

    private string RepoUrl() => GitUrl.ForLocal(_settings.Listen, _daemon.Status.Port, "/");

    private Task<ControlResponse> HandleAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        switch (request.Command)
        {
            case "status":
                return Task.FromResult(ControlResponse.Success(System.Text.Json.JsonSerializer.SerializeToNode(BuildStatus(), ControlJson.Options)));
            case "down":
                LogDownRequested();
                _lifetime.StopApplication();
                return Task.FromResult(ControlResponse.Success());
            default:
                return Task.FromResult(ControlResponse.Failure($"unknown command '{request.Command}'"));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "serving {Repo} at {Url} as node {Id} ({Name})")]
    private partial void LogServing(string repo, string url, string id, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "dashboard at {Address}")]
    private partial void LogDashboard(Uri address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private partial void LogLibGit2(string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "stop requested by 'peermesh down'")]
    private partial void LogDownRequested();

    [LoggerMessage(Level = LogLevel.Information, Message = "node stopped")]
    private partial void LogStopped();
}
