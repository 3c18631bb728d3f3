using Microsoft.Extensions.Logging;

namespace PeerMesh.Sync.Fetching;

/// <summary>Source-generated log lines of the fetch scheduler.</summary>
internal sealed partial class FetchScheduler
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "no fetch of {Remote} for its refs version {Version}: it holds nothing this node lacks")]
    private static partial void LogNothingNew(ILogger logger, string remote, long version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "fetch of {Remote} asked for: {Trigger}")]
    private static partial void LogTriggered(ILogger logger, string remote, string trigger);

    // Per branch, the fetcher says what arrived; this is the summary.
    [LoggerMessage(Level = LogLevel.Debug, Message = "fetched {Remote}: {Updated} updated, {Bytes} received")]
    private static partial void LogFetched(ILogger logger, string remote, string updated, string bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "fetch of {Remote} failed: {Error}")]
    private static partial void LogFetchFailed(ILogger logger, string remote, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "fetch worker of {Remote} failed; the next trigger starts a new one")]
    private static partial void LogWorkerFaulted(ILogger logger, string remote, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "local repository error ({Failures} in a row): no fetches for {Seconds} s")]
    private static partial void LogLocalHold(ILogger logger, string failures, int seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "fetch of {Remote} at {OldUrl} given up: the peer moved to {NewUrl}; fetching there")]
    private static partial void LogMoveCancelled(ILogger logger, string remote, string oldUrl, string newUrl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not update the managed remotes: {Reason}")]
    private static partial void LogReconcileFailed(ILogger logger, string reason);
}
