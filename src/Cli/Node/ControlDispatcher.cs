using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PeerMesh.Cli.Control;
using PeerMesh.Sync.Remotes;

namespace PeerMesh.Cli.Node;

/// <summary>
/// The control protocol's commands, each answered by the part that owns it: <c>status</c> (of one served repository or
/// all), <c>add</c> and <c>remove</c> (<c>up PATH</c>, <c>down PATH</c>), <c>down</c> (the node), <c>fetch</c> and
/// <c>forget</c> (in one repository), <c>ping</c>.
/// </summary>
internal sealed partial class ControlDispatcher(NodeStatusBuilder status, NodeRepositories repos, NodeLifetime lifetime, ILogger<ControlDispatcher> logger)
{
    private readonly ILogger<ControlDispatcher> _logger = logger;

    public async Task<ControlResponse> HandleAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await DispatchAsync(request, cancellationToken);
        }
        catch (CliException e)
        {
            return ControlResponse.Failure(e.Message, e.ExitCode);
        }
    }

    private async Task<ControlResponse> DispatchAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        switch (request.Command)
        {
            case "ping":
                return ControlResponse.Success();
            case "status":
                var shown = request.Repo is null ? repos.Current : [Served(request.Repo)];
                return ControlResponse.Success(JsonSerializer.SerializeToNode(status.Build(shown), ControlJson.Options));
            case "add" when request.Argument is not null:
                var repo = NodeRepository.OpenForServing(request.Argument);
                var (_, added) = await repos.AddAsync(repo, null, cancellationToken);
                return ControlResponse.Success(Served(added));
            case "remove" when request.Argument is not null:
                if (!await repos.RemoveAsync(request.Argument, cancellationToken))
                {
                    return ControlResponse.Failure($"{request.Argument} is not served by this node", ExitCodes.Usage);
                }

                var stopping = repos.Current.Count == 0;
                if (stopping)
                {
                    LogLastRemoved();
                    lifetime.StopApplication();
                }

                return ControlResponse.Success(Served(added: true, stopping));
            case "down":
                LogDownRequested();
                lifetime.StopApplication();
                return ControlResponse.Success();
            case "fetch":
                var reports = await Served(request.Repo).Sync.FetchNowAsync(request.Argument, cancellationToken);
                return reports.IsEmpty && request.Argument is not null
                    ? ControlResponse.Failure($"no managed remote named '{request.Argument}'")
                    : ControlResponse.Success(JsonSerializer.SerializeToNode(reports, FetchReportJsonContext.Default.ImmutableArrayFetchReport));
            case "forget" when request.Argument is not null:
                var sync = Served(request.Repo).Sync;
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

    /// <summary>The served repository <paramref name="path"/> (a folder anywhere in it) is in.</summary>
    /// <exception cref="CliException">Not a usable repository, or one the node does not serve (exit 2).</exception>
    private ServedRepo Served(string? path)
    {
        if (path is not null && repos.FindContaining(path) is { } served)
        {
            return served;
        }

        // Only on the way to an error: the same message the CLI gives for an unusable folder everywhere else.
        var shown = path is null ? "this folder" : NodeRepository.Open(path).WorkingDirectory;
        throw new CliException($"{shown} is not served by this node; add it with 'peermesh up'", ExitCodes.Usage);
    }

    /// <summary>What <c>up</c> and <c>down</c> print: whether the repository was added, and what the node serves now.</summary>
    private JsonNode Served(bool added, bool stopping = false) => new JsonObject
    {
        ["added"] = added,
        ["stopping"] = stopping,
        ["repos"] = new JsonArray([.. repos.Current.Select(r => (JsonNode)new JsonObject
        {
            ["name"] = r.Entry.Name,
            ["path"] = r.Entry.Path,
            ["url"] = status.RepoUrl(r),
        })]),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "stop requested by 'peermesh down'")]
    private partial void LogDownRequested();

    [LoggerMessage(Level = LogLevel.Information, Message = "the last repository was removed; stopping")]
    private partial void LogLastRemoved();
}
