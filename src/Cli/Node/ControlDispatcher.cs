using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerMesh.Cli.Control;
using PeerMesh.Sync;
using PeerMesh.Sync.Remotes;

namespace PeerMesh.Cli.Node;

/// <summary>The control protocol's commands (status, down, fetch, forget), each answered by the part that owns it.</summary>
internal sealed partial class ControlDispatcher(NodeStatusBuilder status, SyncService sync, IHostApplicationLifetime lifetime, ILogger<ControlDispatcher> logger)
{
    private readonly ILogger<ControlDispatcher> _logger = logger;

    public async Task<ControlResponse> HandleAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        switch (request.Command)
        {
            case "status":
                return ControlResponse.Success(JsonSerializer.SerializeToNode(status.Build(), ControlJson.Options));
            case "down":
                LogDownRequested();
                lifetime.StopApplication();
                return ControlResponse.Success();
            case "fetch":
                var reports = await sync.FetchNowAsync(request.Argument, cancellationToken);
                return reports.IsEmpty && request.Argument is not null
                    ? ControlResponse.Failure($"no managed remote named '{request.Argument}'")
                    : ControlResponse.Success(JsonSerializer.SerializeToNode(reports, ControlJson.Options));
            case "forget" when request.Argument is not null:
                return sync.Forget(request.Argument) switch
                {
                    ForgetResult.Removed => ControlResponse.Success(),
                    ForgetResult.NotManaged => ControlResponse.Failure($"'{request.Argument}' is your own remote, not one PeerMesh made; it was left alone"),
                    _ => ControlResponse.Failure($"no remote named '{request.Argument}'"),
                };
            default:
                return ControlResponse.Failure($"unknown command '{request.Command}'");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "stop requested by 'peermesh down'")]
    private partial void LogDownRequested();
}
